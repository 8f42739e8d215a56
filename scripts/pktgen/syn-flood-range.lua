-- syn-flood-range.lua: the SYN flood of syn-flood-range.pkt with pktgen's Lua
-- API (Pktgen-DPDK 23.06.1 built with -Denable_lua=true). See docs/PKTGEN.md.
--
--   pktgen <EAL args> -- -P -m "[1].0" -f scripts/pktgen/syn-flood-range.lua
--   (or, at the Pktgen:/> prompt:  script scripts/pktgen/syn-flood-range.lua)
--
-- A bounded TCP SYN flood at synline-server's port: ranges of source addresses
-- and source ports, 64-byte frames, a rate in percent of the link speed, and a
-- packet count or a duration after which the port stops by itself.
--
-- Variables: read from the process environment (Lua's os.getenv, so set them
-- on pktgen's command line: `env RATE=5 COUNT=1000000 pktgen ...`), else the
-- defaults below, which match drivers-cfg/memif-server.conf.
--   SYN_MAC      synline's port MAC, destination of every SYN. pktgen does no
--                ARP for range traffic, so it must be right. Over memif:
--                02:53:59:4e:00:01 (memif-server.conf); on a NIC, the MAC
--                synline-server logs at start.
--   SYN_IP       synline-server's --ip address (without the prefix)
--   SYN_PORT     a --serve'd port
--   GEN_IP       pktgen's own address/prefix = synline's --gateway; sender of
--                pktgen's ARP replies, so synline's SYN-ACKs come back to it
--   SRC_IP_MIN, SRC_IP_MAX, SRC_PORT_MIN, SRC_PORT_MAX
--                the spoofed sources (default 198.18.0.1-198.19.255.254, ports
--                1024-65535; outside synline's prefix, so every SYN-ACK goes
--                to the gateway)
--   RATE         percent of the link speed, may be fractional. 64-byte frames
--                take 84 bytes on the wire: 1% of 10 Gb/s = 148,810 SYN/s;
--                memif reports 100 Gb/s (1% = 1.488 M SYN/s); a port that
--                reports no speed counts as 10 Gb/s. 100 = as fast as it goes.
--   COUNT        SYNs to send (default 3,000,000), then stop; 0 = no limit
--   DURATION_S   if > 0, stop after this many seconds at the latest
--                (COUNT 0 and DURATION_S > 0: a flood of that duration)
--   FRESH_FLOWS  1: restart the port every POOL packets, so that each round
--                sends the next ~24,576 range values instead of repeating the
--                same ones (see the caveat below); costs a short gap per round
--   QUIT         1: quit pktgen when done (scripted runs)
--   RESULT_FILE  if set, also write the summary lines to this file
--
-- The range-pool caveat: at `start` pktgen fills the port's "Range TX" pool,
-- about 24,576 mbufs ((1024 + 2048) * 8, fixed at compile time), with
-- consecutive range values once and then sends the same buffers over and over.
-- A flood of COUNT SYNs thus carries at most ~24,576 distinct (address, port)
-- pairs, each repeated COUNT / 24,576 times. With tcp.syn_cookies=always that
-- is harmless (every SYN costs synline the same); with on-overflow/off, a
-- repeat of a flow still in the SYN queue is a duplicate SYN, not a new
-- half-open connection. The next `start` continues the range where the pool
-- ended: FRESH_FLOWS=1 uses that. For N truly distinct flows replay a pcap
-- (scripts/pktgen/replay-pcap.md).
--
-- Lua API notes (pktgen 23.06.1, app/lpktgenlib.c): port lists are strings
-- ("0"); pktgen.range.* take "start"|"min"|"max"|"inc" and one value; there is
-- no Lua call for TCP flags, sequence or ack numbers, so those few lines are
-- run as CLI commands through a temporary command file (pktgen.load).


local function env(name, default)
    local v = os.getenv(name)
    if v == nil or v == "" then return default end
    return v
end

local PORT         = "0"                      -- pktgen's port 0 (the only one)
local SYN_MAC      = env("SYN_MAC", "02:53:59:4e:00:01")
local SYN_IP       = env("SYN_IP", "10.77.0.2")
local SYN_PORT     = tonumber(env("SYN_PORT", "80"))
local GEN_IP       = env("GEN_IP", "10.77.0.1/24")
local SRC_IP_MIN   = env("SRC_IP_MIN", "198.18.0.1")
local SRC_IP_MAX   = env("SRC_IP_MAX", "198.19.255.254")
local SRC_PORT_MIN = tonumber(env("SRC_PORT_MIN", "1024"))
local SRC_PORT_MAX = tonumber(env("SRC_PORT_MAX", "65535"))
local RATE         = env("RATE", "1")
local COUNT        = tonumber(env("COUNT", "3000000"))
local DURATION_S   = tonumber(env("DURATION_S", "0"))
local FRESH_FLOWS  = env("FRESH_FLOWS", "0") == "1"
local QUIT         = env("QUIT", "0") == "1"
local RESULT_FILE  = env("RESULT_FILE", "")
local POOL         = (1024 + 2048) * 8        -- pktgen's MAX_MBUFS_PER_PORT

local summary = {}
local function say(fmt, ...)
    local line = string.format(fmt, ...)
    summary[#summary + 1] = line
    print(line)
end

-- Wall clock with sub-second resolution (Lua's os.time() has whole seconds).
local function now()
    local p = io.popen("date +%s.%N")
    local t = tonumber(p:read("*l"))
    p:close()
    return t
end

-- Run pktgen CLI commands (those without a Lua binding) from a temporary file.
local function cli(lines)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(table.concat(lines, "\n"), "\n")
    f:close()
    pktgen.load(path)
    os.remove(path)
end

local function sending()
    return pktgen.isSending(PORT)[0] == "y"
end

-- Stop the port in case a previous script left it sending (range settings are
-- refused while a port sends).
pktgen.stop(PORT)

-- The single-packet template, base of the range packets: IPv4, TCP, pktgen's
-- own address (sender of its ARP replies) and synline's MAC.
pktgen.set_type(PORT, "ipv4")
pktgen.set_proto(PORT, "tcp")
pktgen.set_ipaddr(PORT, "src", GEN_IP)
pktgen.set_mac(PORT, "dst", SYN_MAC)

-- Answer ARP (synline resolves its gateway before sending a SYN-ACK) and count
-- received packets by type.
pktgen.process(PORT, "on")

-- Send range packets instead of the single packet.
pktgen.set_range(PORT, "on")
pktgen.range.set_type(PORT, "ipv4")
pktgen.range.ip_proto(PORT, "tcp")

-- synline's address in the single packet (target of the ARP request below;
-- pktgen.set_ipaddr is not used for "dst": it has an uninitialised variable in
-- 23.06.1). TCP flags: default is ACK only; clear all, set SYN. Fixed ISN and ack.
cli({
    "set " .. PORT .. " dst ip " .. SYN_IP,
    "range " .. PORT .. " tcp flag clr all",
    "range " .. PORT .. " tcp flag set syn",
    "range " .. PORT .. " tcp seq 1000 1000 1000 0",
    "range " .. PORT .. " tcp ack 0 0 0 0",
})

-- Destination MAC, address and port: fixed (inc 0). pktgen's default range
-- increments the destination address and port, so all four values are set.
for _, w in ipairs({"start", "min", "max"}) do
    pktgen.range.dst_mac(PORT, w, SYN_MAC)
    pktgen.range.dst_ip(PORT, w, SYN_IP)
    pktgen.range.dst_port(PORT, w, SYN_PORT)
end
pktgen.range.dst_mac(PORT, "inc", "00:00:00:00:00:00")
pktgen.range.dst_ip(PORT, "inc", "0.0.0.0")
pktgen.range.dst_port(PORT, "inc", 0)

-- Source addresses and ports: +1 per packet each, in step, wrapping at max.
-- ("start" is used only when inc is 0; with inc > 0 pktgen continues from its
-- previous value, wrapped into [min, max].)
pktgen.range.src_ip(PORT, "start", SRC_IP_MIN)
pktgen.range.src_ip(PORT, "min", SRC_IP_MIN)
pktgen.range.src_ip(PORT, "max", SRC_IP_MAX)
pktgen.range.src_ip(PORT, "inc", "0.0.0.1")
pktgen.range.src_port(PORT, "start", SRC_PORT_MIN)
pktgen.range.src_port(PORT, "min", SRC_PORT_MIN)
pktgen.range.src_port(PORT, "max", SRC_PORT_MAX)
pktgen.range.src_port(PORT, "inc", 1)

-- TTL 64 and 64-byte frames (pktgen sizes include the 4-byte FCS), fixed.
for _, w in ipairs({"start", "min", "max"}) do
    pktgen.range.ttl(PORT, w, 64)
    pktgen.range.pkt_size(PORT, w, 64)
end
pktgen.range.ttl(PORT, "inc", 0)
pktgen.range.pkt_size(PORT, "inc", 0)

-- Rate in percent of the link speed.
pktgen.set(PORT, "rate", RATE)
pktgen.clr()

-- Send COUNT packets (0 = no count limit) and/or for DURATION_S seconds
-- (0 = no time limit), whichever ends first; in one start or, with
-- FRESH_FLOWS, in starts of POOL packets (each builds the pool anew).
if COUNT == 0 and DURATION_S <= 0 then
    error("syn-flood-range.lua: set COUNT or DURATION_S (both 0 would never stop)")
end
-- One ARP request from GEN_IP for SYN_IP, queued ahead of the first SYN:
-- synline learns pktgen's MAC for its gateway from it, so no SYN-ACK waits for
-- ARP (synline would park the first ones and drop those beyond its limit).
pktgen.send_arp(PORT, "request")
local t0 = now()
local deadline = (DURATION_S > 0) and (t0 + DURATION_S) or nil
local function expired() return deadline ~= nil and now() >= deadline end
local queued, rounds = 0, 0
while not expired() and (COUNT == 0 or queued < COUNT) do
    local n = FRESH_FLOWS and POOL or COUNT          -- count 0: until stopped
    if COUNT > 0 then n = math.min(n, COUNT - queued) end
    pktgen.set(PORT, "count", n)
    pktgen.start(PORT)
    rounds = rounds + 1
    queued = queued + n
    pktgen.delay(10)
    while sending() and not expired() do pktgen.delay(10) end
end
pktgen.stop(PORT)
local elapsed = now() - t0
pktgen.delay(1500)                          -- let the stats timer catch up

local st = pktgen.portStats(PORT, "port")[0]
say("pktgen: port %s: %d packets sent (the SYNs + 1 ARP request) in %.2f s (%.0f/s) in %d start(s), rate %s%%",
    PORT, st.opackets, elapsed, st.opackets / elapsed, rounds, RATE)
say("pktgen: port %s: %d packets received (SYN-ACKs and ARP), %d rx errors, %d missed, %d tx errors",
    PORT, st.ipackets, st.ierrors, st.imissed, st.oerrors)

if RESULT_FILE ~= "" then
    local f = io.open(RESULT_FILE, "w")
    if f then
        f:write(table.concat(summary, "\n"), "\n")
        f:close()
    end
end
if QUIT then pktgen.quit() end
