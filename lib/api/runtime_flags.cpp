#include "synline/runtime_flags.hpp"

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace synline {

namespace {

void parse_address(std::string_view s, RuntimeOptions& o) {
    const std::size_t slash = s.find('/');
    auto ip = net::Ipv4Addr::parse(s.substr(0, slash));
    unsigned prefix = 24;
    if (slash != std::string_view::npos) {
        std::string_view p = s.substr(slash + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
        if (ec != std::errc{} || end != p.data() + p.size() || prefix > 32) ip.reset();
    }
    if (!ip || ip->value == 0)
        throw std::invalid_argument("--ip '" + std::string(s) +
                                    "': expected an IPv4 address with prefix, e.g. 10.77.0.2/24");
    o.ip = *ip;
    o.prefix_len = static_cast<std::uint8_t>(prefix);
}

}  // namespace

bool parse_runtime_flag(int argc, char** argv, int& i, RuntimeOptions& o) {
    const std::string_view flag = argv[i];
    if (flag != "--config" && flag != "--var" && flag != "--set" && flag != "--ip" && flag != "--gateway")
        return false;
    if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value (see --help)");
    const std::string_view value = argv[++i];
    if (flag == "--config") {
        o.config_path = value;
    } else if (flag == "--ip") {
        parse_address(value, o);
    } else if (flag == "--gateway") {
        auto gw = net::Ipv4Addr::parse(value);
        if (!gw) throw std::invalid_argument("--gateway '" + std::string(value) + "' is not an IPv4 address");
        o.gateway = *gw;
    } else if (flag == "--var") {
        try {
            auto [name, val] = engine::parse_var(value);
            o.vars.insert_or_assign(std::move(name), std::move(val));
        } catch (const engine::ConfigError& e) {
            throw std::invalid_argument(e.what());
        }
    } else {
        o.overrides.emplace_back(value);
    }
    return true;
}

void require_runtime_flags(const RuntimeOptions& o) {
    if (o.config_path.empty())
        throw std::invalid_argument("--config FILE is required, e.g. --config drivers-cfg/af_packet.conf");
    if (o.ip.value == 0) throw std::invalid_argument("--ip ADDR/PREFIX is required, e.g. --ip 10.77.0.2/24");
}

}  // namespace synline
