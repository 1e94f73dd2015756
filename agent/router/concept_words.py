"""The concept lexicons: the words and phrases that name each thing a request can be about.

A clause is read word by word against these tables (see `concepts`): a phrase names a concept,
a neutral word only carries the sentence, a blocker makes the clause no request at all.
"""

from __future__ import annotations

Phrase = tuple[str, ...]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> tuple[Phrase, ...]:
    return tuple(tuple(p.split()) for p in text.split("|"))


# Things about the host (or, for some, one container).
DISK, MEMORY, CPU, LOAD, PROCESSES, UPTIME = "disk", "memory", "cpu", "load", "processes", "uptime"
NETWORK, STATE, STATS, RESOURCES = "network", "state", "stats", "resources"
# How something is ("ok", "running"): about the host or a container only when one is named.
QUALITY = "quality"
# Docker as a whole, domains and certificates.
DOCKER, DOCKER_DISK, CONTAINERS, IMAGES = "docker", "docker_disk", "containers", "images"
DOMAINS, CERTS = "domains", "certs"
# One container: its logs, and the explicit lifecycle verbs.
LOGS, RESTART, START, STOP = "logs", "restart", "start", "stop"
ACTIONS = frozenset({RESTART, START, STOP})

_LEXICON: dict[str, str] = {
    DISK: "disk|disks|disk space|drive|drives|hard drive|hard drives|hard disk|hard disks|hdd|"
    "ssd|nvme|storage|space|free space|room|filesystem|filesystems|file system|partition|"
    "partitions|root partition|full|fill|filling|capacity|df",
    MEMORY: "memory|ram|mem|swap|swapping|swapped|swap space|oom|out of memory|free -h",
    CPU: "cpu|cpus|processor|processors|core|cores|cpu cores|cpu time",
    LOAD: "load|load average|load avg|loadavg|system load",
    PROCESSES: "processes|process|procs|programs|tasks|top processes|top|htop",
    UPTIME: "uptime|up time|been up|up for|been running|running for|how long|rebooted|"
    "restarted|booted|last reboot|last restart|last boot|last rebooted|last restarted|"
    "last booted|since reboot|since boot|boot time",
    NETWORK: "network|networking|bandwidth|traffic|throughput|ip|ips|ip address|ip addresses|"
    "addresses|interfaces|interface|network interfaces|nic|nics|upload|download|"
    "connection|connectivity|net|lan|ethernet|wifi|network speed",
    STATE: "status|state|health|report|health report|overview|summary|info|information|"
    "details|detail|vitals|condition|sitrep|rundown",
    QUALITY: "doing|ok|okay|fine|alright|good|healthy|working|online|offline|alive|running|"
    "up and running",
    STATS: "stats|statistics|resources|resource|resource usage|performance",
    DOCKER: "docker|docker engine",
    DOCKER_DISK: "volumes|volume|docker volumes|docker disk|docker space|docker storage|"
    "docker disk usage|system df",
    CONTAINERS: "containers|services|apps|docker containers",
    IMAGES: "images|image|docker images",
    DOMAINS: "domains|domain|subdomains|subdomain|sites|site|websites|website|web sites|"
    "hostnames|domain names|urls|url|published sites",
    CERTS: "certificates|certificate|certs|cert|ssl|tls|https|ssl cert|ssl certs|expire|"
    "expires|expiring|expired|expiry|expiration|valid",
    LOGS: "logs|log|logging|logged|log lines|log output|lines|output|printing|printed|"
    "saying|messages|errors|error|exceptions|warnings|tail|last lines|log file|logfile",
    RESTART: "restart|reboot|bounce|recycle|cycle|kick|reload",
    START: "start|launch|boot|boot up|spin up|fire up|bring up|start up|turn on|power on|"
    "power up|switch on|wake|wake up|bring back|bring back up|bring online|get going|"
    "get running",
    STOP: "stop|halt|shut down|shutdown|shut off|turn off|power down|power off|switch off|"
    "take down|take offline|bring down|spin down",
}
LEXICON: dict[Phrase, str] = {
    phrase: concept for concept, phrases in _LEXICON.items() for phrase in _phrases(phrases)
}
LONGEST = max(len(p) for p in LEXICON)

# Verbs whose particle may come after the name: "turn grafana off", "bring plex back up".
PHRASAL: dict[str, list[tuple[Phrase, str]]] = {
    "turn": [(("off",), STOP), (("on",), START)],
    "switch": [(("off",), STOP), (("on",), START)],
    "shut": [(("down",), STOP), (("off",), STOP)],
    "power": [(("down",), STOP), (("off",), STOP), (("on",), START), (("up",), START)],
    "take": [(("down",), STOP), (("offline",), STOP)],
    "bring": [
        (("back", "up"), START),
        (("back", "online"), START),
        (("up",), START),
        (("online",), START),
        (("back",), START),
        (("down",), STOP),
        (("offline",), STOP),
    ],
    "spin": [(("up",), START), (("down",), STOP)],
    "fire": [(("up",), START)],
    "boot": [(("up",), START)],
    "wake": [(("up",), START)],
    "get": [(("going",), START), (("running",), START), (("back", "up"), START)],
}

# Words that only carry the sentence: asking, pointing, measuring, qualifying.
NEUTRAL = _words(
    """
    a an the my our your me us i we you this these those there here its it is are am was were
    be been being has have had got do does did of for from on in at to with by about into over
    across inside within out off up down per than as so too very just really also again now
    please what which who how where why much many long big large small size sized
    show list display give get check see view tell let know look looking find pull open read
    fetch current currently right recently recent latest last newest most more less any some
    all every everything each anything something whole entire still already left free used
    using use uses usage eating eats eat hogging hog hogs taking takes take consuming consumes
    consume burning chewing occupying spending busy high low level levels percent
    percentage amount rate speed utilization utilisation consumption remaining available total
    enough almost nearly getting go going like looks seems seem lately container service app
    stack compose
    """
)
# Time words: a log's window, but never part of a change ("restart plex in 5 minutes").
TIME = _words(
    """
    second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks
    ago yesterday today tonight tomorrow later soon morning evening night midnight since past
    previous
    """
)
# A clause with one of these is about the request, not the request itself.
BLOCKERS = _phrases(
    "not|never|dont|cannot|cant|wont|should|shouldnt|explain|mean|means|"
    "meaning|define|tutorial|docs|documentation|how do i|how do you|how do we|how to|"
    "how can i|how can we|how would|how should|what happens|what if|why would|"
    "is it safe|safe to|ignore|instructions|pretend"
)
# Words that make a change wait for something ("restart plex if it hangs"): fine in a question.
CONDITIONS = _words("if unless without when whenever once after before until")
# Words that ask about the speed of the network rather than its set-up.
RATES = frozenset({"bandwidth", "traffic", "throughput", "upload", "download", "speed"})
