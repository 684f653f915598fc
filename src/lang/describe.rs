//! `describe`'s topics: every scheduler the kernel ships, every forwarding
//! method, scheduler flag and persistence setting, each with what it does,
//! when to choose it (and when not), its kernel module, its ipvsadm
//! spelling and an lvsh example. The kernel facts are those of
//! `docs/ipvs-schedulers.md`; `tests/host/describe.rs` parses every example
//! and checks that each scheduler, method and flag the parser knows has a
//! topic.

/// What a topic is; `describe` lists them by kind, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scheduler,
    Forwarding,
    Flag,
    Persistence,
}

impl Kind {
    /// Every kind, in `describe`'s order.
    pub const ALL: [Kind; 4] = [Kind::Scheduler, Kind::Forwarding, Kind::Flag, Kind::Persistence];

    /// The heading `describe` gives the kind.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Scheduler => "Schedulers (who gets a new connection)",
            Kind::Forwarding => "Forwarding methods (how a packet reaches the backend)",
            Kind::Flag => "Scheduler flags",
            Kind::Persistence => "Persistence",
        }
    }
}

/// One thing `describe` explains.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    pub name: &'static str,
    /// Other words for it (`nat` for `masq`).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// One line: what it is.
    pub summary: &'static str,
    /// What it does, in a few sentences.
    pub what: &'static str,
    /// When to choose it.
    pub choose: &'static str,
    /// When not to.
    pub avoid: &'static str,
    /// Its kernel module (and the release it came with, when that matters).
    pub module: &'static str,
    /// How ipvsadm writes it.
    pub ipvsadm: &'static str,
    /// An lvsh line that uses it (parsed by the host tests).
    pub example: &'static str,
}

/// A scheduler's topic: its fields in the order of [`Topic`]'s, as the table reads best.
#[allow(clippy::too_many_arguments)]
const fn scheduler(
    name: &'static str,
    summary: &'static str,
    what: &'static str,
    choose: &'static str,
    avoid: &'static str,
    module: &'static str,
    ipvsadm: &'static str,
    example: &'static str,
) -> Topic {
    Topic {
        name,
        aliases: &[],
        kind: Kind::Scheduler,
        summary,
        what,
        choose,
        avoid,
        module,
        ipvsadm,
        example,
    }
}

/// Every topic, in `describe`'s order within each kind.
pub const TOPICS: &[Topic] = &[
    scheduler(
        "rr",
        "round robin: each backend in turn",
        "Gives each new connection to the next backend in the list, skipping those of weight 0 \
         or over their upper threshold. Other weights are ignored.",
        "Backends of equal capacity serving requests of similar cost (the seed tutorial).",
        "Backends of different capacity (wrr, wlc), or connections of very different lengths, \
         which rr piles up unevenly (lc, wlc).",
        "ip_vs_rr",
        "-s rr",
        "service web tcp 111.111.0.1:80 rr",
    ),
    scheduler(
        "wrr",
        "weighted round robin: in turn, each as often as its weight",
        "Like rr, but a backend of weight 3 gets three connections for every one of a backend \
         of weight 1, interleaved (the kernel steps through the weights by their gcd).",
        "Backends of different capacity, short requests of similar cost.",
        "Long-lived connections: the count of new connections says nothing of the load (wlc).",
        "ip_vs_wrr",
        "-s wrr",
        "service web tcp 111.111.0.1:80 wrr { backend 10.10.0.2:8000 masq weight 3 }",
    ),
    scheduler(
        "lc",
        "least connections",
        "Gives a new connection to the backend with the least overhead, counted as active \
         connections x 256 + inactive ones. Weights other than 0 are ignored.",
        "Backends of equal capacity and connections whose lengths vary.",
        "Backends of different capacity (wlc).",
        "ip_vs_lc",
        "-s lc",
        "service web tcp 111.111.0.1:80 lc",
    ),
    scheduler(
        "wlc",
        "weighted least connections (the default)",
        "Gives a new connection to the backend with the least overhead (active x 256 + \
         inactive) divided by its weight. It is what a service gets when no scheduler is named.",
        "Almost always a good start: it follows the real load and honours weights.",
        "A client must keep its backend (persistent, sh, mh).",
        "ip_vs_wlc",
        "-s wlc (also what ipvsadm chooses without -s)",
        "service web tcp 111.111.0.1:80 wlc",
    ),
    scheduler(
        "lblc",
        "locality-based least connections: one backend per destination address",
        "Keeps, for each destination address of the packets, the backend it chose; that address \
         goes to the same backend unless it is overloaded (more active connections than its \
         weight) while another is at half load, and then to the least loaded one. Entries are \
         forgotten after sysctl lblc_expiration (a day).",
        "Cache clusters: a firewall-mark service that catches traffic to many destinations, \
         so that each destination's content is cached on one proxy.",
        "An ordinary service on one VIP: every packet has the same destination, so one backend \
         gets everything.",
        "ip_vs_lblc",
        "-s lblc",
        "service fwmark 1 lblc",
    ),
    scheduler(
        "lblcr",
        "lblc with replication: a set of backends per destination address",
        "Like lblc, but each destination address has a set of backends, chosen among by least \
         connections; when all of the set are overloaded the least loaded other backend joins \
         it, and a set that has not changed for a while shrinks (sysctl lblcr_expiration).",
        "Cache clusters where one destination is too busy for a single proxy.",
        "An ordinary service on one VIP (as lblc).",
        "ip_vs_lblcr",
        "-s lblcr",
        "service fwmark 1 lblcr",
    ),
    scheduler(
        "dh",
        "destination hashing",
        "Sends each destination address to a backend by a static hash of it; a backend of \
         weight 0 or overloaded gets nothing, and its share is not moved elsewhere.",
        "Firewall or cache clusters where a destination must always reach the same box.",
        "An ordinary service on one VIP (one backend gets everything), or backends that come \
         and go (mh moves fewer clients).",
        "ip_vs_dh",
        "-s dh",
        "service fwmark 1 dh",
    ),
    scheduler(
        "sh",
        "source hashing: a client address always to the same backend",
        "Hashes the client's address (and port, with sh-port) into a table of 256 slots \
         that the backends fill in proportion to their weights. The same client reaches the \
         same backend with no template to keep, and two directors with the same backends \
         agree.",
        "Stickiness without persistence templates, or several directors (ECMP) that must agree \
         without syncing connections.",
        "Clients behind one NAT (they all land on one backend), or a backend set that changes \
         often: a change remaps many clients (mh remaps few). Without sh-fallback a client \
         whose backend is down gets no answer.",
        "ip_vs_sh (its flags since Linux 3.11)",
        "-s sh",
        "service web tcp 111.111.0.1:80 sh flags sh-fallback",
    ),
    scheduler(
        "sed",
        "shortest expected delay",
        "Gives a new connection to the backend with the least (active connections + 1) / \
         weight: inactive connections do not count, and the + 1 favours a fast idle backend \
         over a slow idle one.",
        "Backends of different capacity serving long requests.",
        "Backends of equal capacity (lc does as well), or when idle backends should always be \
         used first (nq).",
        "ip_vs_sed",
        "-s sed",
        "service web tcp 111.111.0.1:80 sed",
    ),
    scheduler(
        "nq",
        "never queue: an idle backend first",
        "Gives a new connection to a backend with no active connection if there is one, else \
         chooses as sed does.",
        "Few, long or expensive requests, where waiting behind another costs more than a \
         slower backend.",
        "Many short requests: most backends are rarely idle and nq is then sed.",
        "ip_vs_nq",
        "-s nq",
        "service web tcp 111.111.0.1:80 nq",
    ),
    scheduler(
        "fo",
        "weighted failover: the highest weight that is available",
        "Gives every new connection to the available backend (weight above 0, not overloaded) \
         of the highest weight; the others get connections only when it is not available.",
        "Active and standby backends: the standby's weight is lower and it serves only when \
         the active one is drained or overloaded.",
        "Spreading load: one backend takes everything.",
        "ip_vs_fo (since Linux 3.18)",
        "-s fo",
        "service web tcp 111.111.0.1:80 fo { backend 10.10.0.2:8000 masq weight 2 }",
    ),
    scheduler(
        "ovf",
        "weighted overflow: fill one backend up to its weight, then the next",
        "Gives new connections to the available backend of the highest weight while its \
         active connections stay below its weight, then to the next; the weight is a \
         connection count here.",
        "Backends that should be used one after another (licences, warm caches), spilling \
         over only when full.",
        "Spreading load evenly (wlc).",
        "ip_vs_ovf (since Linux 4.1)",
        "-s ovf",
        "service web tcp 111.111.0.1:80 ovf { backend 10.10.0.2:8000 masq weight 100 }",
    ),
    scheduler(
        "mh",
        "Maglev hashing: consistent hashing of the source",
        "Hashes the client's address (and port, with mh-port) into a lookup table of 65521 \
         entries built with Google's Maglev algorithm, weighted. Adding or removing a \
         backend moves only the clients it takes or had.",
        "Several directors that must send a client to the same backend without syncing, with \
         a backend set that changes.",
        "Clients behind one NAT (one backend gets them all, unless mh-port).",
        "ip_vs_mh (since Linux 4.18)",
        "-s mh",
        "service web tcp 111.111.0.1:80 mh flags mh-fallback,mh-port",
    ),
    scheduler(
        "twos",
        "power of two choices: the lighter of two random backends",
        "Draws two backends at random, in proportion to their weights, and gives the \
         connection to the one with the lower overhead / weight.",
        "Many backends or several directors: it avoids every director sending its next \
         connections to the same least loaded backend at once.",
        "A kernel without it: it came after Linux 6.1 (the guest's kernel refuses it with \
         `Scheduler or persistence engine not found`).",
        "ip_vs_twos (after Linux 6.1; present in 6.6)",
        "-s twos",
        "service web tcp 111.111.0.1:80 twos",
    ),
    scheduler(
        "none",
        "no scheduler at all",
        "The service has no scheduler, so the kernel cannot give a new connection a backend; \
         only connections it already knows, such as those a backup director learned from the \
         sync daemon, are forwarded.",
        "A backup director's copy of a service, when it must never choose a backend itself.",
        "Any service that should serve new clients.",
        "none: built into ip_vs",
        "-s none",
        "service web tcp 111.111.0.1:80 none",
    ),
    Topic {
        name: "masq",
        aliases: &["nat"],
        kind: Kind::Forwarding,
        summary: "NAT: the director rewrites the destination, and the replies' source",
        what: "The director rewrites each request's destination to the backend's ADDR:PORT and \
               each reply's source back to the VIP, so the backend may listen on another port \
               and needs no change, but its replies must come back through the director.",
        choose: "Backends in a private network behind the director, a port that differs from \
                 the service's, or backends you cannot configure.",
        avoid: "Heavy reply traffic (it all passes the director: route or tunnel), or backends \
                whose route back to the clients bypasses the director (`doctor` finds it).",
        module: "ip_vs (NAT is built in; ip_vs_ftp adds FTP's data connections)",
        ipvsadm: "-m, --masquerading",
        example: "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:8000 masq }",
    },
    Topic {
        name: "route",
        aliases: &["dr", "gatewaying"],
        kind: Kind::Forwarding,
        summary: "direct routing: only the frame's MAC address changes; replies bypass the director",
        what: "The director sends the unchanged packet to the backend's MAC address on the same \
               link; the backend holds the VIP itself (on lo, with arp_ignore=1 and \
               arp_announce=2 so that it does not answer ARP for it) and replies to the client \
               directly. The port cannot change: ipvsadm forces the service's.",
        choose: "Throughput: the director carries only the requests. The default of ipvsadm.",
        avoid: "Backends on another link or network (tunnel), or a backend port that differs \
                from the service's (masq).",
        module: "ip_vs (built in)",
        ipvsadm: "-g, --gatewaying (the default when no method is given)",
        example: "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:80 route }",
    },
    Topic {
        name: "tunnel",
        aliases: &["ipip"],
        kind: Kind::Forwarding,
        summary: "IP-in-IP: the request travels encapsulated; replies bypass the director",
        what: "The director wraps each request in an outer IP header addressed to the backend, \
               which unwraps it (tunl0 up, module ipip), holds the VIP, and replies to the \
               client directly. ipip is the tunnel type unless gue or gre is named.",
        choose: "Direct replies with backends on other networks or sites.",
        avoid: "Paths whose MTU cannot take the extra 20 bytes, or backends that cannot \
                decapsulate (masq).",
        module: "ip_vs (built in); the backend needs ipip",
        ipvsadm: "-i, --ipip (--tun-type ipip)",
        example: "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:80 tunnel }",
    },
    Topic {
        name: "gue",
        aliases: &[],
        kind: Kind::Forwarding,
        summary: "a tunnel in UDP (Generic UDP Encapsulation) to a port of the backend",
        what: "Like tunnel, but the request travels inside UDP to the backend's GUE port \
               (`ip fou add port N gue` there); csum or remcsum add a checksum or remote \
               checksum offload, nocsum (the default) none.",
        choose: "Networks that pass UDP but not IP-in-IP, or NICs that spread UDP flows over \
                 queues by port.",
        avoid: "Kernels before 5.2, or when plain ipip gets through.",
        module: "ip_vs (built in, since Linux 5.2); the backend needs fou",
        ipvsadm: "-i --tun-type gue --tun-port N [--tun-csum | --tun-remcsum | --tun-nocsum]",
        example: "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:80 tunnel gue port 5555 csum }",
    },
    Topic {
        name: "gre",
        aliases: &[],
        kind: Kind::Forwarding,
        summary: "a tunnel in GRE",
        what: "Like tunnel, but the request travels inside GRE; csum adds GRE's checksum, \
               nocsum (the default) none.",
        choose: "Networks or backends set up for GRE rather than IP-in-IP.",
        avoid: "Kernels before 5.3, or when plain ipip gets through.",
        module: "ip_vs (built in, since Linux 5.3); the backend needs ip_gre",
        ipvsadm: "-i --tun-type gre [--tun-csum | --tun-nocsum]",
        example: "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:80 tunnel gre }",
    },
    Topic {
        name: "local",
        aliases: &[],
        kind: Kind::Forwarding,
        summary: "the director itself serves the connection",
        what: "The kernel's LOCALNODE method: packets are delivered to a socket on the \
               director. Today's kernels do not set it by themselves for a local address; it \
               is there only when asked for.",
        choose: "The director is also one of the backends.",
        avoid: "Any remote backend.",
        module: "ip_vs (built in)",
        ipvsadm: "none: ipvsadm cannot set it; it lists it as `Local` and saves it as -g",
        example: "service web tcp 111.111.0.1:80 rr { backend 111.111.0.1:8080 local }",
    },
    Topic {
        name: "bypass",
        aliases: &[],
        kind: Kind::Forwarding,
        summary: "the kernel's own method: a packet goes on to its original destination",
        what: "The kernel's BYPASS method is not set on a backend: with sysctl cache_bypass \
               on, a connection for which no backend is available is sent on to its original \
               destination instead of being dropped (cache clusters), and shows as such in \
               the connection table.",
        choose: "A transparent cache cluster that must let traffic through when every cache \
                 is down (set net.ipv4.vs.cache_bypass=1 on the director).",
        avoid: "Any ordinary service: neither lvsh nor ipvsadm has a word to set it.",
        module: "ip_vs (built in)",
        ipvsadm: "none: ipvsadm lists it as `(null)`",
        example: "show connections",
    },
    Topic {
        name: "sh-fallback",
        aliases: &[],
        kind: Kind::Flag,
        summary: "sh: a client whose backend is unavailable gets the next one",
        what: "Flag 1 read by sh: when the hashed backend has weight 0 or is overloaded, the \
               next available one in the table serves the client instead of none.",
        choose: "sh with backends that are drained or overloaded at times.",
        avoid: "When a client must never move (its session lives on one backend).",
        module: "ip_vs_sh (since Linux 3.11)",
        ipvsadm: "-b sh-fallback (only with -s sh)",
        example: "service web tcp 111.111.0.1:80 sh flags sh-fallback",
    },
    Topic {
        name: "sh-port",
        aliases: &[],
        kind: Kind::Flag,
        summary: "sh: hash the client's port too",
        what: "Flag 2 read by sh: the hash covers the source port as well as the address, so \
               one client's connections spread over the backends.",
        choose: "Many clients behind one NAT address.",
        avoid: "When a client's connections must reach one backend.",
        module: "ip_vs_sh (since Linux 3.11)",
        ipvsadm: "-b sh-port (only with -s sh)",
        example: "service web tcp 111.111.0.1:80 sh flags sh-fallback,sh-port",
    },
    Topic {
        name: "mh-fallback",
        aliases: &[],
        kind: Kind::Flag,
        summary: "mh: a client whose backend is unavailable gets another",
        what: "Flag 1 read by mh: when the looked-up backend has weight 0 or is overloaded, \
               the lookup goes on to the next available one.",
        choose: "mh with backends that are drained or overloaded at times.",
        avoid: "When a client must never move.",
        module: "ip_vs_mh (since Linux 4.18)",
        ipvsadm: "-b mh-fallback (only with -s mh)",
        example: "service web tcp 111.111.0.1:80 mh flags mh-fallback",
    },
    Topic {
        name: "mh-port",
        aliases: &[],
        kind: Kind::Flag,
        summary: "mh: hash the client's port too",
        what: "Flag 2 read by mh: the lookup covers the source port as well as the address.",
        choose: "Many clients behind one NAT address.",
        avoid: "When a client's connections must reach one backend.",
        module: "ip_vs_mh (since Linux 4.18)",
        ipvsadm: "-b mh-port (only with -s mh)",
        example: "service web tcp 111.111.0.1:80 mh flags mh-port",
    },
    Topic {
        name: "flag-1",
        aliases: &[],
        kind: Kind::Flag,
        summary: "the first scheduler flag bit: sh-fallback for sh, mh-fallback for mh",
        what: "IP_VS_SVC_F_SCHED1 (0x0008). sh reads it as sh-fallback and mh as \
               mh-fallback; no other in-tree scheduler reads it. lvsh prints it by the name \
               its scheduler gives it.",
        choose: "A scheduler of your own that reads the bit.",
        avoid: "sh and mh: write sh-fallback or mh-fallback, which say what they do.",
        module: "ip_vs (the bit; since Linux 3.11)",
        ipvsadm: "-b flag-1 (with any scheduler)",
        example: "service web tcp 111.111.0.1:80 wlc flags flag-1",
    },
    Topic {
        name: "flag-2",
        aliases: &[],
        kind: Kind::Flag,
        summary: "the second scheduler flag bit: sh-port for sh, mh-port for mh",
        what: "IP_VS_SVC_F_SCHED2 (0x0010). sh reads it as sh-port and mh as mh-port; no \
               other in-tree scheduler reads it.",
        choose: "A scheduler of your own that reads the bit.",
        avoid: "sh and mh: write sh-port or mh-port.",
        module: "ip_vs (the bit; since Linux 3.11)",
        ipvsadm: "-b flag-2 (with any scheduler)",
        example: "service web tcp 111.111.0.1:80 wlc flags flag-2",
    },
    Topic {
        name: "flag-3",
        aliases: &[],
        kind: Kind::Flag,
        summary: "the third scheduler flag bit, which no in-tree scheduler reads",
        what: "IP_VS_SVC_F_SCHED3 (0x0020): kept and listed, read by no scheduler the kernel \
               ships.",
        choose: "A scheduler of your own that reads the bit.",
        avoid: "Every scheduler the kernel ships: it changes nothing.",
        module: "ip_vs (the bit; since Linux 3.11)",
        ipvsadm: "-b flag-3 (with any scheduler)",
        example: "service web tcp 111.111.0.1:80 wlc flags flag-3",
    },
    Topic {
        name: "persistent",
        aliases: &["persistence", "netmask", "prefix"],
        kind: Kind::Persistence,
        summary: "a client keeps its backend for a while, by a template connection",
        what: "The first connection of a client makes a template (seen in `show connections`) \
               that sends the client's next connections, on any port of a fwmark service, to \
               the same backend until the template has been idle for the timeout (360 seconds \
               if none is given). netmask (IPv4) or prefix (IPv6) makes a whole network of \
               clients share one template.",
        choose: "Sessions held in a backend's memory, TLS session reuse, or protocols of \
                 several connections (FTP, with a fwmark service).",
        avoid: "Clients behind one NAT (one backend gets them all), or when a drained backend \
                must empty fast: templates keep sending clients to it until they expire.",
        module: "ip_vs (built in)",
        ipvsadm: "-p [SECONDS], --persistent; -M NETMASK, --netmask",
        example: "service web tcp 111.111.0.1:80 rr persistent 300 netmask 255.255.255.0",
    },
    Topic {
        name: "sip",
        aliases: &["pe"],
        kind: Kind::Persistence,
        summary: "the SIP persistence engine: one backend per call, not per client address",
        what: "A persistence engine replaces the client address as the template's key; sip \
               keys on the Call-ID of UDP SIP messages, so every message of a call reaches \
               the same backend whatever address it comes from. It needs persistence.",
        choose: "A UDP SIP service, where one address carries many calls, or one call comes \
                 from several addresses.",
        avoid: "Anything that is not SIP over UDP.",
        module: "ip_vs_pe_sip",
        ipvsadm: "--pe sip (with -p)",
        example: "service sip udp 111.111.0.1:5060 rr persistent 60 pe sip",
    },
    Topic {
        name: "one-packet",
        aliases: &["ops"],
        kind: Kind::Persistence,
        summary: "one-packet scheduling: each UDP datagram on its own",
        what: "Each datagram is scheduled alone and its connection entry is dropped at once, \
               so a client's next datagram may reach another backend and the connection table \
               does not fill up. UDP and fwmark services only.",
        choose: "Single-datagram request and reply protocols (DNS, syslog) with many clients.",
        avoid: "Protocols whose datagrams must reach one backend, or TCP (refused).",
        module: "ip_vs (built in, since Linux 2.6.35)",
        ipvsadm: "-o, --ops",
        example: "service dns udp 111.111.0.1:53 rr one-packet",
    },
];

/// The topic a word names, by its name or an alias.
pub fn find(word: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.name == word || t.aliases.contains(&word))
}

/// Every topic's name and alias: what `describe` accepts.
pub fn words() -> Vec<&'static str> {
    TOPICS.iter().flat_map(|t| std::iter::once(t.name).chain(t.aliases.iter().copied())).collect()
}
