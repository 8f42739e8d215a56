#include "engine/capture_config.hpp"

namespace synline::engine {

namespace {

// The smallest file worth a limit: the file header and one full-sized frame.
constexpr std::uint64_t kMinMaxBytes = 24 + 16 + 1518;

}  // namespace

const SectionSchema& capture_schema() {
    static const SectionSchema schema{
        "capture",
        {
            {"file", KeyType::String, ""},
            {"port", KeyType::String, ""},
            {"direction", KeyType::String, "both"},
            {"snaplen", KeyType::Uint, "65535", 64, 65535},
            {"max_packets", KeyType::Uint, "0"},
            {"max_bytes", KeyType::Uint, "0"},
            {"ring_slots", KeyType::Uint, "4096", 64, 1u << 20},
        }};
    return schema;
}

CaptureConfig capture_config_from(const Section& s) {
    CaptureConfig c;
    c.file = s.get_string("file");
    c.port = s.get_string("port");
    const std::string& dir = s.get_string("direction");
    if (dir == "rx") c.tx = false;
    else if (dir == "tx") c.rx = false;
    else if (dir != "both")
        throw ConfigError(s.origin("direction") + ": capture.direction = '" + dir + "': use rx, tx or both");
    c.snaplen = static_cast<std::uint32_t>(s.get_uint("snaplen"));
    c.limits.max_packets = s.get_uint("max_packets");
    c.limits.max_bytes = s.get_uint("max_bytes");
    if (c.limits.max_bytes != 0 && c.limits.max_bytes < kMinMaxBytes)
        throw ConfigError(s.origin("max_bytes") + ": capture.max_bytes = " + std::to_string(c.limits.max_bytes) +
                          " cannot hold the file header and one frame: use 0 (no limit) or at least " +
                          std::to_string(kMinMaxBytes));
    c.ring_slots = static_cast<std::uint32_t>(s.get_uint("ring_slots"));
    if (c.file.empty())
        for (const auto& [key, setting] : s.settings())
            if (key != "file" && !setting.is_default)
                throw ConfigError(setting.origin + ": capture." + key +
                                  " is set but capture.file is empty: give --capture FILE (or capture.file), "
                                  "or drop the [capture] keys");
    return c;
}

}  // namespace synline::engine
