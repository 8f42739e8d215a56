#include "server_replay.hpp"

#include "discard_app.hpp"
#include "echo_app.hpp"
#include "engine/config.hpp"
#include "http_app.hpp"
#include "synline/tcp_settings.hpp"

namespace synline::replay {

ReplayResult replay_server_pcap(const std::string& pcap_path, const std::vector<std::string>& overrides) {
    const engine::DriverConfig cfg = engine::parse_driver_config("", "replay", {}, overrides, {tcp_schema()});
    const engine::Section& tcp_section = cfg.section("tcp");
    const tcp::ListenOptions options = listen_options_from(tcp_section);
    app::EchoApp echo;
    app::DiscardApp discard;
    app::HttpApp http;
    return replay_pcap(pcap_path, stack_config_from(tcp_section), [&](tcp::Stack& s) {
        s.listen(7, echo, options);
        s.listen(9, discard, options);
        s.listen(80, http, options);
    });
}

}  // namespace synline::replay
