//! Host tests: everything that needs no kernel.
