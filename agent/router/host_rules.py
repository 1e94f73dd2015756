"""Phrasings about the host as a whole: health check, overview, disk, memory, processes."""

from __future__ import annotations

from agent.router.phrases import HOST, SHOW, RuleTable, compile_rules
from agent.router.text import NUM

_HEALTH: RuleTable = [
    # Health check: what is wrong, anything broken.
    (
        "check",
        "none",
        r"(?:what is|whats) (?:wrong|broken|the problem|the issue|going on|failing|down|"
        r"not working|not running|on fire)(?: with (?:the |my |our )?(?:"
        + HOST
        + r"|things|everything|it all|stuff|containers))?(?: here| today| right now| now)?",
    ),
    (
        "check",
        "none",
        r"(?:is |are )?(?:there )?(?:anything|something) (?:broken|wrong|down|failing|"
        r"unhealthy|crashing|crashed|off|amiss|not working|not running|on fire|"
        r"i should know about|to worry about)(?: with (?:the |my )?(?:" + HOST + r"|containers))?",
    ),
    (
        "check",
        "none",
        r"(?:are there |any |are there any )(?:problems|issues|errors|failures|alerts|warnings|"
        r"broken containers|unhealthy containers|failing containers|crashed containers|"
        r"dead containers)(?: (?:on|in|with) (?:the |my )?"
        + HOST
        + r")?(?: anywhere| right now| today)?",
    ),
    (
        "check",
        "none",
        r"(?:errors|problems|issues) (?:on|in|with) (?:the |my )?" + HOST,
    ),
    (
        "check",
        "none",
        r"(?:run |do |perform |start )?(?:a |an )?(?:quick |full )?(?:health ?check|"
        r"healthcheck|check ?up|sanity check|system check|diagnostics?|triage|"
        r"troubleshoot(?:ing)?)(?: (?:on|of))?(?: the| my)?(?: " + HOST + r"| everything)?",
    ),
    (
        "check",
        "none",
        r"(?:is |are )?(?:everything|all|it all|all good|things|(?:the |my )?"
        + HOST
        + r") (?:ok|okay|fine|alright|all right|good|healthy|running|up|working|running fine|"
        r"running ok|up and running|in order)",
    ),
    (
        "check",
        "none",
        r"(?:check|diagnose|troubleshoot|verify|inspect) (?:the |my )?(?:"
        + HOST
        + r"|everything|all containers|container health|health)",
    ),
    (
        "check",
        "none",
        r"(?:is |are )?(?:any|all)(?: of)?(?: the| my)? (?:containers?|services?|apps?) "
        r"(?:down|broken|failing|unhealthy|crashing|restarting|dead|stopped|up|running|"
        r"healthy|ok|okay|fine)",
    ),
    (
        "check",
        "none",
        r"why is (?:the |my )?(?:" + HOST + r"|everything) (?:so )?(?:slow|down|broken|"
        r"sluggish|unresponsive|lagging|acting up|laggy)",
    ),
    # Overview: status, dashboard, how is the server.
    (
        "overview",
        "none",
        SHOW + r"(?:(?:" + HOST + r") )?(?:status|overview|summary|dashboard|health|state|info|"
        r"stats|statistics|status report|report|rundown|uptime|load|load average|cpu usage|"
        r"cpu load|cpu|sitrep|vitals|resource usage|resource use|resources|resource)"
        r"(?: (?:of|on|for))?(?: the| my)?(?: " + HOST + r")?",
    ),
    (
        "overview",
        "none",
        r"how is (?:the |my |our )?(?:" + HOST + r"|everything|it going|things)(?: doing| looking|"
        r" going| holding up| running)?(?: today| right now| now)?",
    ),
    (
        "overview",
        "none",
        r"how are (?:things|we|the servers|my servers)(?: doing| looking| going| holding up)?"
        r"(?: today)?",
    ),
    (
        "overview",
        "none",
        r"(?:is )?(?:the |my )?" + HOST + r" (?:up|alive|online|busy|slow|under load|working)",
    ),
    (
        "overview",
        "none",
        r"how much cpu (?:is|does) (?:the |my )?" + HOST + r" (?:using|use|have)",
    ),
]
_RESOURCES: RuleTable = [
    # Host: disk, memory, processes, network.
    (
        "disk",
        "none",
        SHOW + r"(?:(?:free|used|available|remaining|total|the|my) )*(?:disk|disks|storage|drive|"
        r"drives|hard drive|ssd|filesystem|filesystems|file system|partitions|mounts)"
        r"(?: (?:space|usage|use|status|info|left|free|capacity|stats))*",
    ),
    (
        "disk",
        "none",
        r"(?:what|who|which (?:things?|containers?|images?|files?|folders?)) (?:is|are) "
        r"(?:using|eating|taking|filling|hogging|consuming|occupying)(?: up)?(?: all| so much|"
        r" most)?(?: of)?(?: the| my)? (?:disk|disk space|space|storage|drive|hdd|ssd)",
    ),
    (
        "disk",
        "none",
        r"how much (?:disk space|disk|space|storage|room)(?: is| do i have| have i got|"
        r" do we have)?(?: (?:left|free|used|available|remaining|in use|there))?"
        r"(?: on (?:the |my )?(?:disk|drive|" + HOST + r"))?",
    ),
    (
        "disk",
        "none",
        r"(?:am i|are we|is the " + HOST + r"|is the disk|is it)(?: running| getting)? "
        r"(?:out of|low on|short on) (?:disk space|disk|space|storage|room)",
    ),
    (
        "disk",
        "none",
        r"(?:is )?(?:the |my )?(?:disk|drive|storage|root partition|root disk) (?:full|"
        r"filling up|almost full|nearly full|running out)",
    ),
    ("disk", "none", r"free (?:up )?(?:some )?(?:disk )?space"),
    ("disk", "none", r"(?:running )?out of (?:disk )?space|no space left(?: on device)?"),
    ("disk", "none", r"df(?: -h)?|(?:docker )?system df|docker disk usage|disk usage"),
    (
        "memory",
        "none",
        SHOW + r"(?:(?:free|used|available|the|my|current) )*(?:memory|ram|mem|swap)"
        r"(?: and swap)?(?: (?:usage|use|status|info|left|free|stats|pressure))*",
    ),
    (
        "memory",
        "none",
        r"how much (?:memory|ram)(?: is| do i have| have i got)?(?: (?:left|free|used|available|"
        r"remaining|in use))?(?: on (?:the |my )?" + HOST + r")?",
    ),
    (
        "memory",
        "none",
        r"how much (?:memory|ram) (?:is|does) (?:the |my )?" + HOST + r" (?:using|use|have)",
    ),
    (
        "memory",
        "none",
        r"(?:what|who) (?:is|are) (?:using|eating|taking|hogging|consuming)(?: up)?(?: all|"
        r" so much| most)?(?: of)?(?: the| my)? (?:memory|ram)",
    ),
    (
        "memory",
        "none",
        r"(?:am i|are we|is the " + HOST + r"|is it)(?: running| getting)? (?:out of|low on|"
        r"short on) (?:memory|ram)",
    ),
    ("memory", "none", r"free -[hmg]|(?:oom|out of memory)(?: kills?| errors?)?"),
    (
        "top",
        "none",
        SHOW + r"(?:the )?(?:top|busiest|heaviest|biggest|hungriest|most active)"
        rf"(?: (?P<n>{NUM}))? (?:processes|procs|programs|tasks)"
        r"(?: by (?P<sort>cpu|memory|ram|mem))?",
    ),
    (
        "top",
        "none",
        SHOW + rf"(?:the )?(?:top|busiest|biggest)(?: (?P<n>{NUM}))? (?P<sort>cpu|memory|ram|mem)"
        r" (?:processes|hogs|consumers|users|eaters)",
    ),
    (
        "top",
        "none",
        SHOW + r"(?:running |all )?(?:processes|procs)(?: by (?P<sort>cpu|memory|ram|mem))?",
    ),
    ("top", "none", r"top|htop|ps aux"),
    (
        "top",
        "none",
        r"(?:what|which)(?: process| processes| program| programs| app| apps)? (?:is|are) "
        r"(?:using|eating|hogging|taking|consuming|burning|maxing out|spiking)(?: up)?"
        r"(?: all| so much| most| a lot of)?(?: of)?(?: the| my)? (?:cpu|processor|cpus)"
        r"(?: usage)?",
    ),
    (
        "top",
        "none",
        r"(?:what|which) (?:process|processes|program|programs) (?:is|are) (?:using|eating|"
        r"hogging|taking|consuming)(?: up)?(?: all| so much| most| the most| a lot of)?(?: of)?"
        r"(?: the| my)? (?P<sort>memory|ram)",
    ),
    ("top", "none", r"(?P<sort>cpu|memory|ram) hogs?"),
    ("top", "none", r"why is (?:the )?cpu (?:so )?(?:high|busy|pegged|maxed|at 100(?: percent)?)"),
    (
        "network",
        "none",
        SHOW + r"(?:(?:the|my|network) )*(?:network|networking|interfaces|network interfaces|"
        r"nics|nic|ip addresses|ip address|ips|ip|net)"
        r"(?: (?:status|info|stats|config|interfaces))*",
    ),
    (
        "network",
        "none",
        SHOW + r"(?:(?:the|my|network|current) )*(?P<rates>bandwidth|traffic|throughput|"
        r"network speed|network traffic|network usage|upload|download)"
        r"(?: (?:usage|stats|rate|speed))*",
    ),
    ("network", "none", r"(?:what is|whats) my (?:ip|ip address|local ip|lan ip)"),
    ("network", "none", r"ip (?:a|addr|address)|ifconfig"),
    ("network", "none", r"(?:is )?(?:the )?network (?:up|down|ok|working|slow)"),
]

HEALTH = compile_rules(_HEALTH)
RESOURCES = compile_rules(_RESOURCES)
