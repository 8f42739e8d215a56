// Parser for drivers-cfg/*.conf; the format is described in config.hpp.
#include "engine/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

namespace synline::engine {

// ---------------------------------------------------------------------------
// The key tables. Adding a key is one line here plus reading it in build_*().
// ---------------------------------------------------------------------------

const SectionSchema& eal_schema()
{
    static const SectionSchema schema{
        "eal",
        {
            // Defaults suit vdevs on a machine without hugepages (machine-notes).
            {"args", KeyType::List, "--no-huge -m 512 --no-pci"},
            {"vdevs", KeyType::List, ""},
            {"lcores", KeyType::String, "0,1"},
            {"file_prefix", KeyType::String, ""},
            {"multi_process", KeyType::Bool, "false"},
        }};
    return schema;
}

const SectionSchema& port_schema()
{
    static const SectionSchema schema{
        "port",
        {
            {"rx_desc", KeyType::Uint, "1024", 64, 32768},
            {"tx_desc", KeyType::Uint, "1024", 64, 32768},
            {"mtu", KeyType::Uint, "1500", 68, 9600},
            {"rx_checksum_offload", KeyType::Bool, "true"},
            {"tx_checksum_offload", KeyType::Bool, "true"},
            {"rss", KeyType::Bool, "true"},
            // 0: one RX/TX queue pair per worker; fewer: workers without a
            // queue get their frames from the others (engine/steering.hpp).
            {"queues", KeyType::Uint, "0", 0, 1024},
            // 40 or 52 bytes (checked in build_port); empty: symmetric key.
            {"rss_key", KeyType::Hex, "", 0, 52},
            {"mbufs_per_queue", KeyType::Uint, "8191", 512, (1u << 24) - 1},
            {"mbuf_cache", KeyType::Uint, "256", 0, 512},  // RTE_MEMPOOL_CACHE_MAX_SIZE
            // When not set: true iff eal.args has --no-huge (see build_port).
            {"packed_pool", KeyType::Bool, "false"},
            {"port_name", KeyType::String, ""},
            {"promiscuous", KeyType::Bool, "false"},
        }};
    return schema;
}

// ---------------------------------------------------------------------------
// Section accessors
// ---------------------------------------------------------------------------

const Section::Setting& Section::at(std::string_view key) const
{
    auto it = settings_.find(key);
    if (it == settings_.end())
        throw std::logic_error("config: no key '" + std::string(key) + "' in [" + name_ + "]");
    return it->second;
}

template <class T> const T& Section::get(std::string_view key) const
{
    const auto* v = std::get_if<T>(&at(key).value);
    if (v == nullptr)
        throw std::logic_error("config: key '" + std::string(key) + "' in [" + name_ +
                               "] read with the wrong type");
    return *v;
}

const std::string& Section::get_string(std::string_view k) const { return get<std::string>(k); }
uint64_t Section::get_uint(std::string_view k) const { return get<uint64_t>(k); }
bool Section::get_bool(std::string_view k) const { return get<bool>(k); }
const std::vector<std::string>& Section::get_list(std::string_view k) const
{
    return get<std::vector<std::string>>(k);
}
const std::vector<uint8_t>& Section::get_bytes(std::string_view k) const
{
    return get<std::vector<uint8_t>>(k);
}

const Section& DriverConfig::section(std::string_view name) const
{
    auto it = sections.find(name);
    if (it == sections.end())
        throw std::logic_error("config: no section schema named '" + std::string(name) + "'");
    return it->second;
}

namespace {

// ---------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool is_name(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

std::vector<std::string> split_ws(std::string_view s)
{
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    for (std::string tok; in >> tok;) out.push_back(tok);
    return out;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

// "(known: a, b, c; did you mean 'b'?)"
std::string known_list(const std::vector<std::string_view>& names, std::string_view wrong,
                       std::string_view prefix = "", std::string_view suffix = "")
{
    std::string out = "(known: ";
    std::string_view best;
    size_t best_d = 3;  // suggest only close matches
    for (size_t i = 0; i < names.size(); ++i) {
        if (i) out += ", ";
        out += prefix;
        out += names[i];
        out += suffix;
        size_t d = edit_distance(wrong, names[i]);
        if (d < best_d) { best_d = d; best = names[i]; }
    }
    if (!best.empty()) {
        out += "; did you mean '";
        out += best;
        out += "'?";
    }
    return out + ")";
}

[[noreturn]] void fail(const std::string& origin, const std::string& msg)
{
    throw ConfigError(origin + ": " + msg);
}

// ---------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------

using Vars = std::map<std::string, std::string>;

// Replaces ${name} and ${name:-default}. `where` is "section.key" for messages.
std::string substitute(std::string_view text, const Vars& vars, const std::string& origin,
                       const std::string& where)
{
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
            out += text[i++];
            continue;
        }
        size_t close = text.find('}', i + 2);
        if (close == std::string_view::npos)
            fail(origin, "unterminated '${' in " + where + ": write ${name}");
        std::string_view body = text.substr(i + 2, close - i - 2);
        std::optional<std::string_view> fallback;
        if (auto dash = body.find(":-"); dash != std::string_view::npos) {
            fallback = body.substr(dash + 2);
            body = body.substr(0, dash);
        }
        if (!is_name(body))
            fail(origin, "bad variable name '${" + std::string(body) + "}' in " + where +
                             ": use letters, digits, '_' or '-'");
        if (auto it = vars.find(std::string(body)); it != vars.end())
            out += it->second;
        else if (fallback)
            out += *fallback;
        else
            fail(origin, "undefined variable ${" + std::string(body) + "} in " + where +
                             ": pass --var " + std::string(body) + "=...");
        i = close + 1;
    }
    return out;
}

// ---------------------------------------------------------------------------
// Typed values
// ---------------------------------------------------------------------------

struct RawEntry {
    std::string text;
    std::string origin;
};

uint64_t parse_uint_text(std::string_view s, bool& ok)
{
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    ok = !s.empty() && ec == std::errc() && p == s.data() + s.size();
    return v;
}

Value parse_value(const KeySpec& spec, const std::string& section, const RawEntry& raw,
                  const Vars& vars)
{
    const std::string where = section + "." + std::string(spec.name);
    if (spec.type == KeyType::List) {
        // Split first, then substitute: a variable's value stays one token.
        std::vector<std::string> out;
        for (const auto& tok : split_ws(raw.text)) out.push_back(substitute(tok, vars, raw.origin, where));
        return out;
    }
    const std::string text{trim(substitute(raw.text, vars, raw.origin, where))};
    switch (spec.type) {
    case KeyType::String:
        return text;
    case KeyType::Uint: {
        bool ok = false;
        uint64_t v = parse_uint_text(text, ok);
        if (!ok)
            fail(raw.origin, where + " = '" + text + "' is not an unsigned integer: write e.g. " +
                                 std::string(spec.default_value));
        if (v < spec.min || v > spec.max)
            fail(raw.origin, where + " = " + text + " is out of range: use " +
                                 std::to_string(spec.min) + ".." + std::to_string(spec.max));
        return v;
    }
    case KeyType::Bool: {
        const std::string l = lower(text);
        if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
        if (l == "false" || l == "no" || l == "off" || l == "0") return false;
        fail(raw.origin, where + " = '" + text + "' is not a boolean: write true or false");
    }
    case KeyType::Hex: {
        std::string digits;
        std::string_view s = text;
        if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
        for (char c : s) {
            if (c == ':' || std::isspace(static_cast<unsigned char>(c))) continue;
            if (!std::isxdigit(static_cast<unsigned char>(c)))
                fail(raw.origin, where + ": '" + std::string(1, c) +
                                     "' is not a hex digit: write bytes as hex, e.g. 6d5a6d5a...");
            digits += c;
        }
        if (digits.size() % 2 != 0)
            fail(raw.origin, where + " has an odd number of hex digits (" +
                                 std::to_string(digits.size()) + "): write whole bytes");
        std::vector<uint8_t> bytes;
        for (size_t i = 0; i < digits.size(); i += 2)
            bytes.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
        if (bytes.size() < spec.min || bytes.size() > spec.max)
            fail(raw.origin, where + " has " + std::to_string(bytes.size()) +
                                 " bytes: use " + std::to_string(spec.min) + ".." +
                                 std::to_string(spec.max));
        return bytes;
    }
    case KeyType::List:
        break;
    }
    throw std::logic_error("config: unhandled key type");
}

// ---------------------------------------------------------------------------
// Reading lines into raw entries
// ---------------------------------------------------------------------------

class RawConfig {
public:
    explicit RawConfig(std::vector<const SectionSchema*> schemas) : schemas_(std::move(schemas)) {}

    void read_file_text(std::string_view text, const std::string& path)
    {
        std::string current;  // section
        std::map<std::string, size_t> section_line;
        size_t lineno = 0;
        size_t pos = 0;
        while (pos <= text.size()) {
            size_t nl = text.find('\n', pos);
            if (nl == std::string_view::npos) nl = text.size();
            std::string_view line = text.substr(pos, nl - pos);
            pos = nl + 1;
            ++lineno;
            const std::string origin = path + ":" + std::to_string(lineno);

            line = strip_comment(line);
            if (line.empty()) continue;
            if (line.front() == '[') {
                if (line.back() != ']')
                    fail(origin, "malformed section header '" + std::string(line) +
                                     "': write [name]");
                std::string name{trim(line.substr(1, line.size() - 2))};
                schema_of(name, origin);
                if (auto it = section_line.find(name); it != section_line.end())
                    fail(origin, "section [" + name + "] appears twice (first at line " +
                                     std::to_string(it->second) + "): merge them");
                section_line[name] = lineno;
                current = name;
                continue;
            }
            size_t eq = line.find('=');
            if (eq == std::string_view::npos)
                fail(origin, "malformed line '" + std::string(line) +
                                 "': expected 'key = value', '[section]' or '# comment'");
            std::string key{trim(line.substr(0, eq))};
            if (key.empty())
                fail(origin, "missing key before '=': write 'key = value'");
            if (current.empty())
                fail(origin, "key '" + key + "' before any [section] header: put it under " +
                                 section_names());
            check_key(current, key, origin);
            auto& slot = entries_[current];
            if (auto it = slot.find(key); it != slot.end())
                fail(origin, "key '" + key + "' set twice in [" + current + "] (first at " +
                                 it->second.origin + "): keep one");
            slot[key] = RawEntry{std::string(trim(line.substr(eq + 1))), origin};
        }
    }

    void apply_override(const std::string& ov)
    {
        const std::string origin = "--set '" + ov + "'";
        size_t eq = ov.find('=');
        size_t dot = ov.find('.');
        if (eq == std::string::npos || dot == std::string::npos || dot > eq)
            fail(origin, "expected section.key=value, e.g. port.rx_desc=2048");
        std::string section{trim(std::string_view(ov).substr(0, dot))};
        std::string key{trim(std::string_view(ov).substr(dot + 1, eq - dot - 1))};
        schema_of(section, origin);
        check_key(section, key, origin);
        entries_[section][key] = RawEntry{std::string(trim(std::string_view(ov).substr(eq + 1))), origin};
    }

    // Validated values of one section; unset keys take their defaults.
    Section resolve(const SectionSchema& schema, const Vars& vars) const
    {
        Section out(schema.name);
        for (const auto& spec : schema.keys) out.put(std::string(spec.name), resolve(schema, spec, vars));
        return out;
    }

    Section::Setting resolve(const SectionSchema& schema, const KeySpec& spec, const Vars& vars) const
    {
        if (auto sec = entries_.find(schema.name); sec != entries_.end())
            if (auto it = sec->second.find(std::string(spec.name)); it != sec->second.end())
                return {parse_value(spec, schema.name, it->second, vars), it->second.origin, false};
        RawEntry def{std::string(spec.default_value), "default"};
        return {parse_value(spec, schema.name, def, {}), "default", true};
    }

private:
    static std::string_view strip_comment(std::string_view line)
    {
        line = trim(line);
        if (!line.empty() && line.front() == '#') return {};
        for (size_t i = 1; i < line.size(); ++i)
            if (line[i] == '#' && std::isspace(static_cast<unsigned char>(line[i - 1])))
                return trim(line.substr(0, i));
        return line;
    }

    std::string section_names() const
    {
        std::string out;
        for (const auto* s : schemas_) out += (out.empty() ? "[" : " or [") + s->name + "]";
        return out;
    }

    const SectionSchema& schema_of(const std::string& name, const std::string& origin) const
    {
        std::vector<std::string_view> names;
        for (const auto* s : schemas_) {
            if (s->name == name) return *s;
            names.push_back(s->name);
        }
        fail(origin, "unknown section [" + name + "] " + known_list(names, name, "[", "]"));
    }

    void check_key(const std::string& section, const std::string& key, const std::string& origin) const
    {
        const auto& schema = schema_of(section, origin);
        std::vector<std::string_view> names;
        for (const auto& k : schema.keys) {
            if (k.name == key) return;
            names.push_back(k.name);
        }
        fail(origin, "unknown key '" + key + "' in [" + section + "] " + known_list(names, key));
    }

    std::vector<const SectionSchema*> schemas_;
    std::map<std::string, std::map<std::string, RawEntry>> entries_;
};

// ---------------------------------------------------------------------------
// From sections to the structs the engine uses, with cross-key checks.
// ---------------------------------------------------------------------------

EalConfig build_eal(const Section& s)
{
    EalConfig eal;
    eal.args = s.get_list("args");
    eal.vdevs = s.get_list("vdevs");
    eal.lcores = s.get_string("lcores");
    eal.file_prefix = s.get_string("file_prefix");
    eal.multi_process = s.get_bool("multi_process");
    try {
        eal.lcore_ids = parse_lcore_list(eal.lcores);
    } catch (const ConfigError& e) {
        fail(s.origin("lcores"), std::string("eal.lcores: ") + e.what());
    }
    if (eal.lcore_ids.size() < 2)
        fail(s.origin("lcores"), "eal.lcores = '" + eal.lcores +
                                     "' has no worker lcore: list the control lcore then at "
                                     "least one worker, e.g. 0,1 (or 0,1@0 on one CPU)");
    // Eal builds these from the dedicated keys; a second copy in args would
    // silently win or clash.
    static const std::vector<std::pair<std::string_view, std::string_view>> owned = {
        {"-l", "eal.lcores"},          {"--lcores", "eal.lcores"}, {"-c", "eal.lcores"},
        {"--main-lcore", "eal.lcores"}, {"--file-prefix", "eal.file_prefix"},
        {"--vdev", "eal.vdevs"},       {"--no-shconf", "eal.multi_process"},
    };
    for (const auto& a : eal.args)
        for (const auto& [flag, key] : owned)
            if (a == flag || (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '='))
                fail(s.origin("args"), "eal.args contains '" + a + "': set " + std::string(key) +
                                           " instead");
    for (const auto& v : eal.vdevs)
        if (v.starts_with("--"))
            fail(s.origin("vdevs"), "eal.vdevs entry '" + v +
                                        "' looks like a flag: list device strings, e.g. "
                                        "net_af_packet0,iface=veth0");
    return eal;
}

PortConfig build_port(const Section& s, const EalConfig& eal)
{
    PortConfig p;
    p.rx_desc = static_cast<uint16_t>(s.get_uint("rx_desc"));
    p.tx_desc = static_cast<uint16_t>(s.get_uint("tx_desc"));
    p.mtu = static_cast<uint16_t>(s.get_uint("mtu"));
    p.rx_checksum_offload = s.get_bool("rx_checksum_offload");
    p.tx_checksum_offload = s.get_bool("tx_checksum_offload");
    p.rss = s.get_bool("rss");
    p.rss_key = s.get_bytes("rss_key");
    p.queues = static_cast<uint16_t>(s.get_uint("queues"));
    p.mbufs_per_queue = static_cast<uint32_t>(s.get_uint("mbufs_per_queue"));
    p.mbuf_cache = static_cast<uint16_t>(s.get_uint("mbuf_cache"));
    p.port_name = s.get_string("port_name");
    p.promiscuous = s.get_bool("promiscuous");

    // Unset packed_pool follows the memory mode: with --no-huge each mbuf would
    // sit on its own 4 KiB page (machine-notes, "A measured trap") and no device
    // can DMA by physical address anyway; with hugepages keep DPDK's default
    // IOVA-contiguous objects, which real NICs may need.
    if (s.is_set("packed_pool"))
        p.packed_pool = s.get_bool("packed_pool");
    else
        p.packed_pool = std::find(eal.args.begin(), eal.args.end(), "--no-huge") != eal.args.end();

    if (!p.rss_key.empty() && p.rss_key.size() != 40 && p.rss_key.size() != 52)
        fail(s.origin("rss_key"), "port.rss_key has " + std::to_string(p.rss_key.size()) +
                                      " bytes: use 40 (ixgbe, mlx5) or 52 (i40e, ice), or leave "
                                      "it empty for the symmetric default");
    // Mempool caches flush at 1.5x their size; a cache over n/1.5 would hold the
    // whole pool on one lcore.
    if (p.mbuf_cache * 3ull > p.mbufs_per_queue * 2ull)
        fail(s.origin("mbuf_cache"), "port.mbuf_cache = " + std::to_string(p.mbuf_cache) +
                                         " exceeds mbufs_per_queue/1.5: lower it or raise "
                                         "port.mbufs_per_queue");
    // The RX ring holds rx_desc mbufs, TX holds up to tx_desc, the cache some more;
    // leave at least as much again for packets in flight in the stack.
    const uint64_t need = uint64_t{p.rx_desc} + p.tx_desc + p.mbuf_cache + 512;
    if (p.mbufs_per_queue < need)
        fail(s.origin("mbufs_per_queue"),
             "port.mbufs_per_queue = " + std::to_string(p.mbufs_per_queue) +
                 " cannot fill rx_desc + tx_desc + mbuf_cache + 512 = " + std::to_string(need) +
                 ": raise it to at least " + std::to_string(need));
    return p;
}

}  // namespace

std::vector<unsigned> parse_lcore_list(std::string_view text)
{
    auto bad = [&](const std::string& why) -> ConfigError {
        return ConfigError("'" + std::string(text) + "' " + why +
                           " (expected e.g. 0,1 or 0-3 or 0,(1,2)@1)");
    };
    auto number = [&](std::string_view s) {
        s = trim(s);
        bool ok = false;
        uint64_t v = parse_uint_text(s, ok);
        if (!ok || s.starts_with("0x") || v > 1023) throw bad("has a bad lcore id '" + std::string(s) + "'");
        return static_cast<unsigned>(v);
    };
    // Ids of one "a", "a-b" or "(a,b-c)" group, appended in order.
    auto ids_of = [&](std::string_view g, std::vector<unsigned>& out) {
        g = trim(g);
        if (g.starts_with('(')) {
            if (!g.ends_with(')')) throw bad("has an unclosed '('");
            g = g.substr(1, g.size() - 2);
        }
        size_t start = 0;
        while (start <= g.size()) {
            size_t comma = g.find(',', start);
            if (comma == std::string_view::npos) comma = g.size();
            std::string_view part = g.substr(start, comma - start);
            if (auto dash = part.find('-'); dash != std::string_view::npos) {
                unsigned a = number(part.substr(0, dash)), b = number(part.substr(dash + 1));
                if (a > b) throw bad("has a descending range");
                for (unsigned i = a; i <= b; ++i) out.push_back(i);
            } else {
                out.push_back(number(part));
            }
            start = comma + 1;
        }
    };

    std::vector<unsigned> ids;
    if (trim(text).empty()) throw bad("is empty");
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] == '(') ++depth;
        if (i < text.size() && text[i] == ')') --depth;
        if (depth < 0) throw bad("has an unmatched ')'");
        if (i == text.size() || (text[i] == ',' && depth == 0)) {
            std::string_view item = text.substr(start, i - start);
            // "ids@cpus": the cpus say where the lcores run, not which lcores exist.
            ids_of(item.substr(0, item.find('@')), ids);
            start = i + 1;
        }
    }
    if (depth != 0) throw bad("has an unclosed '('");
    std::vector<unsigned> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw bad("names an lcore twice");
    return ids;
}

std::pair<std::string, std::string> parse_var(std::string_view s)
{
    size_t eq = s.find('=');
    if (eq == std::string_view::npos || !is_name(s.substr(0, eq)))
        throw ConfigError("--var '" + std::string(s) + "': expected name=value, e.g. iface=veth0");
    return {std::string(s.substr(0, eq)), std::string(s.substr(eq + 1))};
}

DriverConfig parse_driver_config(std::string_view text, const std::string& path, const Vars& vars,
                                 const std::vector<std::string>& overrides,
                                 const std::vector<SectionSchema>& extra_sections)
{
    std::vector<const SectionSchema*> schemas{&eal_schema(), &port_schema()};
    for (const auto& s : extra_sections) {
        for (const auto* known : schemas)
            if (known->name == s.name)
                throw std::logic_error("config: section schema '" + s.name + "' given twice");
        schemas.push_back(&s);
    }

    RawConfig raw(schemas);
    raw.read_file_text(text, path);
    for (const auto& ov : overrides) raw.apply_override(ov);

    DriverConfig cfg;
    cfg.path = path;
    // eal.lcores first: it defines ${workers} for every other value (so lcores
    // itself cannot use ${workers}). build_eal checks the list properly below.
    const KeySpec& lcores_spec = *std::find_if(eal_schema().keys.begin(), eal_schema().keys.end(),
                                               [](const KeySpec& k) { return k.name == "lcores"; });
    const auto lcores = raw.resolve(eal_schema(), lcores_spec, vars);
    std::vector<unsigned> ids;
    try {
        ids = parse_lcore_list(std::get<std::string>(lcores.value));
    } catch (const ConfigError& e) {
        fail(lcores.origin, std::string("eal.lcores: ") + e.what());
    }
    Vars all = vars;
    all.try_emplace("workers", std::to_string(ids.empty() ? 0 : ids.size() - 1));

    for (const auto* schema : schemas) cfg.sections.emplace(schema->name, raw.resolve(*schema, all));
    cfg.eal = build_eal(cfg.sections.at("eal"));
    cfg.port = build_port(cfg.sections.at("port"), cfg.eal);
    return cfg;
}

DriverConfig load_driver_config(const std::string& path, const Vars& vars,
                                const std::vector<std::string>& overrides,
                                const std::vector<SectionSchema>& extra_sections)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(path + ": cannot open the driver config: check the path (shipped "
                                 "files are in drivers-cfg/)");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_driver_config(text.str(), path, vars, overrides, extra_sections);
}

}  // namespace synline::engine
