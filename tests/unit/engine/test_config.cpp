// Unit tests of the drivers-cfg parser (lib/engine/config.*). No EAL, no root.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "engine/config.hpp"
#include "engine/eal.hpp"

using namespace synline::engine;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

const std::map<std::string, std::string> no_vars;

DriverConfig parse(std::string_view text, const std::map<std::string, std::string>& vars = no_vars,
                   const std::vector<std::string>& overrides = {},
                   const std::vector<SectionSchema>& extra = {})
{
    return parse_driver_config(text, "t.conf", vars, overrides, extra);
}

// The message of the ConfigError `text` raises ("" if none).
std::string error_of(std::string_view text, const std::map<std::string, std::string>& vars = no_vars,
                     const std::vector<std::string>& overrides = {})
{
    try {
        parse(text, vars, overrides);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every shipped drivers-cfg file parses", "[config][files]")
{
    // Each variable any shipped file needs; extra ones are ignored.
    const std::map<std::string, std::string> vars = {
        {"iface", "veth0"},          {"rx_pcap", "/tmp/in.pcap"}, {"tx_pcap", "/tmp/out.pcap"},
        {"socket", "/tmp/m.sock"},   {"path", "/tmp/vhost.sock"}, {"pci", "0000:03:00.0"},
    };
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(SYNLINE_DRIVERS_CFG_DIR)) {
        if (entry.path().extension() != ".conf") continue;
        ++files;
        DYNAMIC_SECTION(entry.path().filename().string())
        {
            DriverConfig cfg;
            REQUIRE_NOTHROW(cfg = load_driver_config(entry.path().string(), vars, {}));
            CHECK(cfg.eal.lcore_ids.size() >= 2);
            CHECK_FALSE((cfg.eal.vdevs.empty() && cfg.eal.args.empty()));
            for (const auto& v : cfg.eal.vdevs) CHECK_THAT(v, !Contains("${"));
            for (const auto& a : cfg.eal.args) CHECK_THAT(a, !Contains("${"));
            // Eal's argv builds without EAL.
            CHECK(Eal::build_args(cfg.eal, "synline").size() > 6);
        }
    }
    CHECK(files >= 11);
}

TEST_CASE("af_packet.conf: software checksums and one queue pair per worker", "[config][files]")
{
    auto cfg = load_driver_config(std::string(SYNLINE_DRIVERS_CFG_DIR) + "/af_packet.conf",
                                  {{"iface", "veth7"}}, {"eal.lcores=0,1-3"});
    CHECK_FALSE(cfg.port.rx_checksum_offload);
    CHECK_FALSE(cfg.port.tx_checksum_offload);
    REQUIRE(cfg.eal.vdevs.size() == 1);
    CHECK(cfg.eal.vdevs[0] == "net_af_packet0,iface=veth7,qpairs=3,framecnt=4096");
    CHECK(cfg.port.packed_pool);  // --no-huge and not set: packed
}

TEST_CASE("an empty file gives the defaults", "[config][defaults]")
{
    auto cfg = parse("");
    CHECK(cfg.path == "t.conf");
    CHECK_THAT(cfg.eal.args, Equals(std::vector<std::string>{"--no-huge", "-m", "512", "--no-pci"}));
    CHECK(cfg.eal.vdevs.empty());
    CHECK(cfg.eal.lcores == "0,1");
    CHECK(cfg.eal.lcore_ids == std::vector<unsigned>{0, 1});
    CHECK(cfg.eal.file_prefix.empty());
    CHECK_FALSE(cfg.eal.multi_process);
    CHECK(cfg.port.rx_desc == 1024);
    CHECK(cfg.port.tx_desc == 1024);
    CHECK(cfg.port.mtu == 1500);
    CHECK(cfg.port.rx_checksum_offload);
    CHECK(cfg.port.tx_checksum_offload);
    CHECK(cfg.port.rss);
    CHECK(cfg.port.rss_key.empty());
    CHECK(cfg.port.mbufs_per_queue == 8191);
    CHECK(cfg.port.mbuf_cache == 256);
    CHECK(cfg.port.packed_pool);
    CHECK(cfg.port.port_name.empty());
    CHECK_FALSE(cfg.port.promiscuous);
    CHECK_FALSE(cfg.section("port").is_set("mtu"));
    CHECK(cfg.section("port").origin("mtu") == "default");
}

TEST_CASE("values of every type parse", "[config]")
{
    auto cfg = parse(R"(
# comment line
   # indented comment
[eal]
args = -m 256   --no-pci   # trailing comment
vdevs = net_null0 net_ring0,nodeaction=r0:0:CREATE
lcores = 2,(3,4)@1,5-6
file_prefix = mine
multi_process = yes

[port]
rx_desc = 0x800
mtu=9000
rss_key = 6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a
rx_checksum_offload = OFF
port_name = net_a#b
)");
    CHECK(cfg.eal.args == std::vector<std::string>{"-m", "256", "--no-pci"});
    CHECK(cfg.eal.vdevs == std::vector<std::string>{"net_null0", "net_ring0,nodeaction=r0:0:CREATE"});
    CHECK(cfg.eal.lcore_ids == std::vector<unsigned>{2, 3, 4, 5, 6});
    CHECK(cfg.eal.file_prefix == "mine");
    CHECK(cfg.eal.multi_process);
    CHECK(cfg.port.rx_desc == 2048);
    CHECK(cfg.port.mtu == 9000);
    CHECK(cfg.port.rss_key.size() == 40);
    CHECK(cfg.port.rss_key[0] == 0x6d);
    CHECK(cfg.port.rss_key[1] == 0x5a);
    CHECK_FALSE(cfg.port.rx_checksum_offload);
    CHECK(cfg.port.port_name == "net_a#b");  // '#' is a comment only after whitespace
    CHECK_FALSE(cfg.port.packed_pool);       // no --no-huge in args
    CHECK(cfg.section("port").origin("mtu") == "t.conf:13");
}

TEST_CASE("variables are substituted", "[config][vars]")
{
    auto cfg = parse("[eal]\nvdevs = net_tap0,iface=${iface} x${a}${b}y\nfile_prefix = ${p:-dflt}\n"
                     "[port]\nport_name = ${name:-}\n",
                     {{"iface", "tap 7"}, {"a", "1"}, {"b", "2"}});
    // Lists split before substitution: a value with a space stays one token.
    CHECK(cfg.eal.vdevs == std::vector<std::string>{"net_tap0,iface=tap 7", "x12y"});
    CHECK(cfg.eal.file_prefix == "dflt");
    CHECK(cfg.port.port_name.empty());
}

TEST_CASE("${workers} counts worker lcores; --var workers wins", "[config][vars]")
{
    const char* text = "[eal]\nlcores = 0,1-4\nvdevs = v,qpairs=${workers}\n";
    CHECK(parse(text).eal.vdevs[0] == "v,qpairs=4");
    CHECK(parse(text, {{"workers", "9"}}).eal.vdevs[0] == "v,qpairs=9");
    CHECK(parse(text, no_vars, {"eal.lcores=3,1"}).eal.vdevs[0] == "v,qpairs=1");
}

TEST_CASE("undefined variable: names it and says to pass --var", "[config][vars][errors]")
{
    CHECK(error_of("[eal]\n\nvdevs = net_af_packet0,iface=${iface}\n") ==
          "t.conf:3: undefined variable ${iface} in eal.vdevs: pass --var iface=...");
    CHECK_THAT(error_of("[port]\nmtu = ${m\n"), Contains("t.conf:2: unterminated '${'"));
    CHECK_THAT(error_of("[port]\nmtu = ${a b}\n"), Contains("bad variable name"));
    CHECK_THAT(error_of("", no_vars, {"port.mtu=${m}"}),
               Contains("--set 'port.mtu=${m}': undefined variable ${m} in port.mtu: pass --var m=..."));
}

TEST_CASE("unknown keys and sections name file:line and the known names", "[config][errors]")
{
    CHECK(error_of("[port]\nrx_dsc = 1\n") ==
          "t.conf:2: unknown key 'rx_dsc' in [port] (known: rx_desc, tx_desc, mtu, "
          "rx_checksum_offload, tx_checksum_offload, rss, queues, rss_key, mbufs_per_queue, mbuf_cache, "
          "packed_pool, port_name, promiscuous; did you mean 'rx_desc'?)");
    CHECK(error_of("# x\n[tcp]\n") == "t.conf:2: unknown section [tcp] (known: [eal], [port])");
    CHECK_THAT(error_of("[eall]\n"), Contains("did you mean 'eal'?"));
    CHECK_THAT(error_of("[port]\nzzzzzzzz = 1\n"), !Contains("did you mean"));
}

TEST_CASE("malformed lines", "[config][errors]")
{
    CHECK(error_of("[port]\nmtu 1500\n") ==
          "t.conf:2: malformed line 'mtu 1500': expected 'key = value', '[section]' or '# comment'");
    CHECK(error_of("mtu = 1500\n") ==
          "t.conf:1: key 'mtu' before any [section] header: put it under [eal] or [port]");
    CHECK_THAT(error_of("[port\n"), Contains("t.conf:1: malformed section header '[port'"));
    CHECK_THAT(error_of("[port]\n = 3\n"), Contains("t.conf:2: missing key"));
    CHECK(error_of("[port]\nmtu = 1500\nmtu = 1400\n") ==
          "t.conf:3: key 'mtu' set twice in [port] (first at t.conf:2): keep one");
    CHECK(error_of("[port]\n[eal]\n[port]\n") ==
          "t.conf:3: section [port] appears twice (first at line 1): merge them");
}

TEST_CASE("bad values and ranges", "[config][errors]")
{
    CHECK(error_of("[port]\nrx_desc = 70000\n") ==
          "t.conf:2: port.rx_desc = 70000 is out of range: use 64..32768");
    CHECK(error_of("[port]\nmtu = -5\n") ==
          "t.conf:2: port.mtu = '-5' is not an unsigned integer: write e.g. 1500");
    CHECK_THAT(error_of("[port]\nmtu = 15k\n"), Contains("not an unsigned integer"));
    CHECK_THAT(error_of("[port]\nmtu = 99999999999999999999999\n"), Contains("not an unsigned integer"));
    CHECK(error_of("[port]\nrss = maybe\n") ==
          "t.conf:2: port.rss = 'maybe' is not a boolean: write true or false");
    CHECK_THAT(error_of("[port]\nrss_key = 6d5g\n"), Contains("'g' is not a hex digit"));
    CHECK_THAT(error_of("[port]\nrss_key = 6d5\n"), Contains("odd number of hex digits"));
    CHECK_THAT(error_of("[port]\nrss_key = 6d5a6d5a\n"),
               Contains("t.conf:2: port.rss_key has 4 bytes: use 40"));
    CHECK_THAT(error_of("[port]\nmbufs_per_queue = 1000\n"),
               Contains("t.conf:2: port.mbufs_per_queue = 1000 cannot fill"));
    CHECK_THAT(error_of("[port]\nmbufs_per_queue = 600\nmbuf_cache = 512\n"),
               Contains("t.conf:3: port.mbuf_cache = 512 exceeds"));
}

TEST_CASE("eal checks: lcores and args owned by dedicated keys", "[config][errors]")
{
    CHECK_THAT(error_of("[eal]\nlcores = 0\n"),
               Contains("t.conf:2: eal.lcores = '0' has no worker lcore"));
    CHECK_THAT(error_of("[eal]\nlcores = 0,x\n"), Contains("t.conf:2: eal.lcores: '0,x' has a bad lcore id 'x'"));
    CHECK_THAT(error_of("[eal]\nlcores = 0,1,1\n"), Contains("names an lcore twice"));
    CHECK_THAT(error_of("[eal]\nlcores = 0,(1\n"), Contains("unclosed '('"));
    CHECK_THAT(error_of("[eal]\nlcores = 3-1\n"), Contains("descending range"));
    CHECK(error_of("[eal]\nargs = --no-pci --file-prefix=x\n") ==
          "t.conf:2: eal.args contains '--file-prefix=x': set eal.file_prefix instead");
    CHECK_THAT(error_of("[eal]\nargs = -l 0,1\n"), Contains("set eal.lcores instead"));
    CHECK_THAT(error_of("[eal]\nargs = --vdev=net_null0\n"), Contains("set eal.vdevs instead"));
    CHECK_THAT(error_of("[eal]\nvdevs = --no-pci\n"), Contains("looks like a flag"));
}

TEST_CASE("lcore list parsing", "[config][lcores]")
{
    CHECK(parse_lcore_list("0,1") == std::vector<unsigned>{0, 1});
    CHECK(parse_lcore_list("1,0") == std::vector<unsigned>{1, 0});
    CHECK(parse_lcore_list("0-3") == std::vector<unsigned>{0, 1, 2, 3});
    CHECK(parse_lcore_list("0,1@0") == std::vector<unsigned>{0, 1});
    CHECK(parse_lcore_list("0,(1,2)@(0,1),4@1") == std::vector<unsigned>{0, 1, 2, 4});
    CHECK_THROWS_AS(parse_lcore_list(""), ConfigError);
    CHECK_THROWS_AS(parse_lcore_list("0,,1"), ConfigError);
}

TEST_CASE("--set overrides file values and is validated like them", "[config][overrides]")
{
    auto cfg = parse("[port]\nmtu = 1500\n", no_vars, {"port.mtu=9000", "eal.vdevs = a b", "port.packed_pool=no"});
    CHECK(cfg.port.mtu == 9000);
    CHECK(cfg.eal.vdevs == std::vector<std::string>{"a", "b"});
    CHECK_FALSE(cfg.port.packed_pool);
    CHECK(cfg.section("port").origin("mtu") == "--set 'port.mtu=9000'");
    // The last --set of a key wins.
    CHECK(parse("", no_vars, {"port.mtu=1000", "port.mtu=2000"}).port.mtu == 2000);

    CHECK(error_of("", no_vars, {"port.rx_dsc=1"}).starts_with(
        "--set 'port.rx_dsc=1': unknown key 'rx_dsc' in [port] (known: rx_desc"));
    CHECK(error_of("", no_vars, {"port.mtu=1"}) ==
          "--set 'port.mtu=1': port.mtu = 1 is out of range: use 68..9600");
    CHECK(error_of("", no_vars, {"mtu=1500"}) ==
          "--set 'mtu=1500': expected section.key=value, e.g. port.rx_desc=2048");
    CHECK_THAT(error_of("", no_vars, {"tcp.mss=1460"}), Contains("unknown section [tcp]"));
}

TEST_CASE("extra sections: the extension point for [tcp]", "[config][extension]")
{
    const std::vector<SectionSchema> extra = {
        {"tcp", {{"mss", KeyType::Uint, "1460", 536, 9000}, {"syncookies", KeyType::Bool, "true"}}}};
    auto cfg = parse("[tcp]\nmss = 1400\n", no_vars, {"tcp.syncookies=off"}, extra);
    CHECK(cfg.section("tcp").get_uint("mss") == 1400);
    CHECK_FALSE(cfg.section("tcp").get_bool("syncookies"));
    CHECK(parse("", no_vars, {}, extra).section("tcp").get_uint("mss") == 1460);
    try {
        parse("[tcp]\nmss = 100\n", no_vars, {}, extra);
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == "t.conf:2: tcp.mss = 100 is out of range: use 536..9000");
    }
    CHECK_THROWS_AS(cfg.section("nope"), std::logic_error);
    CHECK_THROWS_AS(cfg.section("tcp").get_string("mss"), std::logic_error);
}

TEST_CASE("load_driver_config: missing file", "[config][errors]")
{
    try {
        load_driver_config("/nonexistent/x.conf", no_vars, {});
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Contains("/nonexistent/x.conf: cannot open"));
    }
}

TEST_CASE("parse_var", "[config][vars]")
{
    CHECK(parse_var("iface=veth0") == std::pair<std::string, std::string>{"iface", "veth0"});
    CHECK(parse_var("a=b=c") == std::pair<std::string, std::string>{"a", "b=c"});
    CHECK_THROWS_AS(parse_var("novalue"), ConfigError);
    CHECK_THROWS_AS(parse_var("=x"), ConfigError);
}

TEST_CASE("Eal::build_args", "[config][eal]")
{
    EalConfig eal;
    eal.args = {"--no-huge", "-m", "128"};
    eal.vdevs = {"net_null0", "net_ring0"};
    eal.lcores = "1,0";
    eal.file_prefix = "p";
    CHECK(Eal::build_args(eal, "prog") ==
          std::vector<std::string>{"prog", "--lcores", "1,0", "--main-lcore", "1", "--file-prefix", "p",
                                   "--no-shconf", "--log-level=lib.eal:notice", "--log-level=lib.telemetry:warning", "--no-huge", "-m", "128", "--vdev=net_null0",
                                   "--vdev=net_ring0"});
    eal.multi_process = true;
    eal.file_prefix.clear();
    auto args = Eal::build_args(eal, "prog");
    CHECK(std::find(args.begin(), args.end(), "--no-shconf") == args.end());
    CHECK(std::find(args.begin(), args.end(), "synline-" + std::to_string(::getpid())) != args.end());
}
