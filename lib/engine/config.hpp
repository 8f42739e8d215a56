// Device configuration files (drivers-cfg/*.conf): format, schema and parser.
//
// Format (INI-like, one setting per line):
//   # a comment: '#' at the start of a line, or after whitespace inside a line
//   [section]
//   key = value            value may contain ${name} or ${name:-default}
//
// Values are typed by a per-section table (KeySpec): string, uint with an
// inclusive range, bool (true/false/yes/no/on/off/1/0), list (whitespace
// separated tokens; variables are substituted per token, so a variable holding a
// space does not split a token) and hex (bytes, "0x" prefix and ':' separators
// allowed). Every key has a default, so a file only states what differs.
//
// Variables come from the caller (the server's --var name=value). One variable is
// predefined: ${workers} = number of worker lcores in eal.lcores, so a vdev can ask
// for as many queue pairs as there are workers (qpairs=${workers}); a --var of the
// same name wins. An undefined variable is an error that names it.
//
// Overrides (the server's --set section.key=value) replace a file value and are
// validated exactly like it.
//
// Extension point: a caller that needs its own section (the lead's [tcp]) passes a
// SectionSchema in `extra_sections`; its validated values are then found in
// DriverConfig::section("tcp"). Sections named by no schema are errors.
//
// This file and config.cpp use no DPDK: they are unit-tested without EAL.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace synline::engine {

// Every error a user can cause at start-up (bad file, bad --var/--set, EAL or
// device refusal). what() is one line naming the problem and the fix; the app
// prints it and exits 1.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class KeyType { String, Uint, Bool, List, Hex };

struct KeySpec {
    std::string_view name;
    KeyType type;
    std::string_view default_value;  // written as in a file, parsed like one
    // Uint: inclusive value range. Hex: inclusive byte-count range.
    uint64_t min = 0;
    uint64_t max = std::numeric_limits<uint64_t>::max();
};

struct SectionSchema {
    std::string name;
    std::vector<KeySpec> keys;
};

using Value = std::variant<std::string, uint64_t, bool, std::vector<std::string>,
                           std::vector<uint8_t>>;

// The validated values of one section, every key of its schema present.
class Section {
public:
    struct Setting {
        Value value;
        std::string origin;       // "file:line", "--set 'k=v'" or "default"
        bool is_default = true;   // false when given in the file or by --set
    };

    Section() = default;
    explicit Section(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    // Accessors throw std::logic_error for a key not in the schema or of another
    // type: that is a programming error, not a user error.
    const std::string& get_string(std::string_view key) const;
    uint64_t get_uint(std::string_view key) const;
    bool get_bool(std::string_view key) const;
    const std::vector<std::string>& get_list(std::string_view key) const;
    const std::vector<uint8_t>& get_bytes(std::string_view key) const;
    bool is_set(std::string_view key) const { return !at(key).is_default; }
    const std::string& origin(std::string_view key) const { return at(key).origin; }

    void put(std::string key, Setting s) { settings_.insert_or_assign(std::move(key), std::move(s)); }
    const std::map<std::string, Setting, std::less<>>& settings() const { return settings_; }

private:
    const Setting& at(std::string_view key) const;
    template <class T> const T& get(std::string_view key) const;

    std::string name_;
    std::map<std::string, Setting, std::less<>> settings_;
};

struct EalConfig {
    std::vector<std::string> args;   // extra EAL args, e.g. --no-huge -m 256 --no-pci
    std::vector<std::string> vdevs;  // each becomes --vdev=...
    std::string lcores;              // EAL --lcores value; first = main (control), rest = workers
    std::vector<unsigned> lcore_ids; // lcores parsed, in the order written
    std::string file_prefix;         // empty: Eal uses "synline-<pid>"
    bool multi_process = false;      // false: pass --no-shconf (see eal.hpp)
};

struct PortConfig {
    uint16_t rx_desc = 1024, tx_desc = 1024;
    uint16_t mtu = 1500;
    bool rx_checksum_offload = true, tx_checksum_offload = true;  // used only if offered
    bool rss = true;
    std::vector<uint8_t> rss_key;  // empty: symmetric 0x6d5a key sized for the device
    uint16_t queues = 0;           // queue pairs; 0: one per worker
    uint32_t mbufs_per_queue = 8191;
    uint16_t mbuf_cache = 256;
    bool packed_pool = false;      // RTE_MEMPOOL_F_NO_IOVA_CONTIG
    std::string port_name;         // empty: first ethdev
    bool promiscuous = false;
};

struct DriverConfig {
    std::string path;
    EalConfig eal;
    PortConfig port;
    // Every section of every schema (eal, port and the caller's extra ones), with
    // defaults filled in. Extra sections are read from here.
    std::map<std::string, Section, std::less<>> sections;

    // Throws std::logic_error if no schema of that name was given.
    const Section& section(std::string_view name) const;
};

const SectionSchema& eal_schema();
const SectionSchema& port_schema();

DriverConfig load_driver_config(const std::string& path,
                                const std::map<std::string, std::string>& vars,
                                const std::vector<std::string>& overrides,
                                const std::vector<SectionSchema>& extra_sections = {});

// Same as load_driver_config with the file's text given; `path` names it in errors.
DriverConfig parse_driver_config(std::string_view text, const std::string& path,
                                 const std::map<std::string, std::string>& vars,
                                 const std::vector<std::string>& overrides,
                                 const std::vector<SectionSchema>& extra_sections = {});

// Parses an EAL --lcores / -l value ("0,1", "0-3", "0,(1,2)@1", "1@2") into lcore
// ids in the order written. Throws ConfigError (without location) if malformed.
std::vector<unsigned> parse_lcore_list(std::string_view lcores);

// Parses one "name=value" (--var); throws ConfigError if malformed.
std::pair<std::string, std::string> parse_var(std::string_view name_equals_value);

}  // namespace synline::engine
