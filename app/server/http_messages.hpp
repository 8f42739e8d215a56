// The http app's messages: the fixed response it sends, and the head of an
// HTTP/1.x request (where it ends, whether it keeps the connection).
// Header-only so that the server's http app and the path benchmark
// (tests/bench) answer with the very same bytes and code.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace synline::app {

inline constexpr std::string_view kHttpBody = "hello from synline\n";

inline std::string http_response(bool keep_alive) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(kHttpBody.size()) +
           (keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n") +
           std::string(kHttpBody);
}

// Header names and these tokens are ASCII (RFC 9110 5.1), so ASCII case folding
// is exact, and it stays inline where std::tolower is a locale-aware library call
// per character.
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `lower` is already lower case.
inline bool iequals(std::string_view a, std::string_view lower) {
    return a.size() == lower.size() &&
           std::equal(a.begin(), a.end(), lower.begin(),
                      [](char x, char y) { return ascii_lower(x) == y; });
}

// A header line that may change whether the connection is kept.
inline void apply_header(std::string_view line, bool& keep) {
    // Most lines are other headers: their first letter rules them out.
    if (line.empty() || ascii_lower(line.front()) != 'c') return;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !iequals(line.substr(0, colon), "connection")) return;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (iequals(value, "close")) keep = false;
    else if (iequals(value, "keep-alive")) keep = true;
}

struct RequestHead {
    std::size_t length;  // through the empty line that ends it; 0 while incomplete
    bool keep_alive;
};

// The request head at the front of `bytes`, read in one pass of CRLF-ended
// lines (a bare LF stays inside its line). HTTP/1.1 keeps the connection
// unless told to close; HTTP/1.0 closes unless told to keep it (RFC 9112 9.3).
inline RequestHead read_head(std::string_view bytes) {
    bool keep = false;
    bool request_line = true;
    std::size_t line_start = 0;
    for (std::size_t search = 0;;) {
        const void* found = std::memchr(bytes.data() + search, '\n', bytes.size() - search);
        if (!found) return {0, false};
        const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
        search = lf + 1;
        if (lf == line_start || bytes[lf - 1] != '\r') continue;
        const std::string_view line = bytes.substr(line_start, lf - 1 - line_start);
        line_start = lf + 1;
        if (request_line) {
            keep = line.ends_with("HTTP/1.1");
            request_line = false;
        } else if (line.empty()) {
            return {line_start, keep};
        } else {
            apply_header(line, keep);
        }
    }
}

}  // namespace synline::app
