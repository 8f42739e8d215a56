#include "synline/tcp_settings.hpp"

#include <stdexcept>

namespace synline {

const engine::SectionSchema& tcp_schema() {
    using engine::KeyType;
    static const engine::SectionSchema schema{
        "tcp",
        {
            {"max_connections", KeyType::Uint, "65536", 16, 1u << 24},
            {"mss", KeyType::Uint, "1460", 88, 9000},
            {"receive_buffer", KeyType::Uint, "262144", 4096, 1u << 30},
            {"send_buffer", KeyType::Uint, "262144", 4096, 1u << 30},
            {"timestamps", KeyType::Bool, "true"},
            {"window_scaling", KeyType::Bool, "true"},
            {"sack_permitted", KeyType::Bool, "false"},
            {"reassembly_core_limit", KeyType::Uint, "33554432", 0, 0xffffffffull},
            {"initial_cwnd_segments", KeyType::Uint, "10", 1, 100},
            {"congestion_control", KeyType::String, "cubic"},
            {"min_rto_ms", KeyType::Uint, "200", 1, 60000},
            {"syn_retries", KeyType::Uint, "6", 0, 20},
            {"synack_retries", KeyType::Uint, "5", 0, 20},
            {"data_retries", KeyType::Uint, "15", 1, 30},
            {"msl_ms", KeyType::Uint, "30000", 1, 600000},
            {"fin_wait_2_timeout_ms", KeyType::Uint, "60000", 1, 3600000},
            {"delayed_ack_ms", KeyType::Uint, "40", 1, 500},
            {"keepalive", KeyType::Bool, "false"},
            {"keepalive_idle_s", KeyType::Uint, "7200", 1, 86400},
            {"keepalive_interval_s", KeyType::Uint, "75", 1, 86400},
            {"keepalive_probes", KeyType::Uint, "9", 1, 255},
            {"syn_backlog", KeyType::Uint, "4096", 1, 1u << 24},
            {"backlog", KeyType::Uint, "4096", 1, 1u << 24},
            {"syn_cookies", KeyType::String, "on-overflow"},
            {"accept_overflow", KeyType::String, "drop"},
            {"syn_cookie_key", KeyType::String, ""},
            {"syn_cookie_tick_s", KeyType::Uint, "64", 1, 3600},
            {"syn_cookie_valid_ticks", KeyType::Uint, "2", 1, 3},
            {"syn_cookie_key_rotation_s", KeyType::Uint, "256", 1, 86400},
            {"syn_cookie_prf", KeyType::String, "auto"},
            {"cookie_rst_rate", KeyType::Uint, "1000", 0, 10'000'000},
            {"cookie_rst_burst", KeyType::Uint, "100", 1, 1'000'000},
        },
    };
    return schema;
}

tcp::StackConfig stack_config_from(const engine::Section& s) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    tcp::StackConfig c;
    c.max_connections = static_cast<std::uint32_t>(s.get_uint("max_connections"));
    c.mss = static_cast<std::uint16_t>(s.get_uint("mss"));
    c.receive_buffer = static_cast<std::uint32_t>(s.get_uint("receive_buffer"));
    c.send_buffer = static_cast<std::uint32_t>(s.get_uint("send_buffer"));
    c.timestamps = s.get_bool("timestamps");
    c.window_scaling = s.get_bool("window_scaling");
    c.sack_permitted = s.get_bool("sack_permitted");
    c.reassembly_core_limit = static_cast<std::uint32_t>(s.get_uint("reassembly_core_limit"));
    c.initial_cwnd_segments = static_cast<std::uint32_t>(s.get_uint("initial_cwnd_segments"));
    const std::string& cc = s.get_string("congestion_control");
    if (auto a = tcp::parse_congestion_algorithm(cc)) c.congestion_control = *a;
    else
        throw engine::ConfigError(s.origin("congestion_control") + ": tcp.congestion_control = '" + cc +
                                  "': use cubic or newreno");
    c.min_rto = milliseconds(s.get_uint("min_rto_ms"));
    c.syn_retries = static_cast<std::uint8_t>(s.get_uint("syn_retries"));
    c.synack_retries = static_cast<std::uint8_t>(s.get_uint("synack_retries"));
    c.data_retries = static_cast<std::uint8_t>(s.get_uint("data_retries"));
    c.msl = milliseconds(s.get_uint("msl_ms"));
    c.fin_wait_2_timeout = milliseconds(s.get_uint("fin_wait_2_timeout_ms"));
    c.delayed_ack = milliseconds(s.get_uint("delayed_ack_ms"));
    c.keepalive = s.get_bool("keepalive");
    c.keepalive_idle = seconds(s.get_uint("keepalive_idle_s"));
    c.keepalive_interval = seconds(s.get_uint("keepalive_interval_s"));
    c.keepalive_probes = static_cast<std::uint8_t>(s.get_uint("keepalive_probes"));
    if (const std::string& key = s.get_string("syn_cookie_key"); !key.empty()) {
        try {
            c.syn_cookie_master_key = tcp::parse_sip_key_hex(key);
        } catch (const std::invalid_argument& e) {
            throw engine::ConfigError(s.origin("syn_cookie_key") + ": tcp.syn_cookie_key: " + e.what() +
                                      " (give 32 hex digits, the same on every server of a fleet)");
        }
    }
    c.syn_cookie_tick = seconds(s.get_uint("syn_cookie_tick_s"));
    c.syn_cookie_valid_ticks = static_cast<unsigned>(s.get_uint("syn_cookie_valid_ticks"));
    c.syn_cookie_key_rotation = seconds(s.get_uint("syn_cookie_key_rotation_s"));
    if (c.syn_cookie_key_rotation < c.syn_cookie_tick * c.syn_cookie_valid_ticks)
        throw engine::ConfigError(s.origin("syn_cookie_key_rotation_s") +
                                  ": tcp.syn_cookie_key_rotation_s must be at least "
                                  "syn_cookie_tick_s * syn_cookie_valid_ticks, the life of a cookie");
    c.cookie_rst_rate = static_cast<std::uint32_t>(s.get_uint("cookie_rst_rate"));
    c.cookie_rst_burst = static_cast<std::uint32_t>(s.get_uint("cookie_rst_burst"));
    const std::string& prf = s.get_string("syn_cookie_prf");
    if (prf == "aes128") c.syn_cookie_prf = tcp::CookiePrf::aes128;
    else if (prf == "siphash24") c.syn_cookie_prf = tcp::CookiePrf::siphash24;
    else if (prf != "auto")
        throw engine::ConfigError(s.origin("syn_cookie_prf") + ": tcp.syn_cookie_prf = '" + prf +
                                  "': use auto, aes128 or siphash24");
    if (c.syn_cookie_prf == tcp::CookiePrf::aes128 && !tcp::aes_ni_available())
        throw engine::ConfigError(s.origin("syn_cookie_prf") +
                                  ": tcp.syn_cookie_prf = aes128 needs a CPU with AES-NI: use "
                                  "siphash24 (on every server that shares the cookie key) or auto");
    return c;
}

tcp::ListenOptions listen_options_from(const engine::Section& s) {
    tcp::ListenOptions o;
    o.syn_backlog = static_cast<std::uint32_t>(s.get_uint("syn_backlog"));
    o.backlog = static_cast<std::uint32_t>(s.get_uint("backlog"));
    const std::string& cookies = s.get_string("syn_cookies");
    if (cookies == "off") o.cookies = tcp::SynCookieMode::off;
    else if (cookies == "on-overflow") o.cookies = tcp::SynCookieMode::on_overflow;
    else if (cookies == "always") o.cookies = tcp::SynCookieMode::always;
    else
        throw engine::ConfigError(s.origin("syn_cookies") + ": tcp.syn_cookies = '" + cookies +
                                  "': use off, on-overflow or always");
    const std::string& overflow = s.get_string("accept_overflow");
    if (overflow == "drop") o.accept_overflow = tcp::AcceptOverflow::drop_ack;
    else if (overflow == "reset") o.accept_overflow = tcp::AcceptOverflow::reset;
    else
        throw engine::ConfigError(s.origin("accept_overflow") + ": tcp.accept_overflow = '" + overflow +
                                  "': use drop or reset");
    return o;
}

}  // namespace synline
