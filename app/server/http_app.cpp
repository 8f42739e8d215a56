#include "http_app.hpp"

#include <algorithm>
#include <cctype>

namespace synline::app {

namespace {

constexpr std::string_view kHeaderEnd = "\r\n\r\n";
constexpr std::size_t kMaxRequestHead = 8192;  // a longer head is abuse: the connection is reset

std::string response(bool keep_alive) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(kHttpBody.size()) +
           (keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n") +
           std::string(kHttpBody);
}

const std::string& cached_response(bool keep_alive) {
    static const std::string keep = response(true);
    static const std::string close = response(false);
    return keep_alive ? keep : close;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes unless
// told to keep it (RFC 9112 9.3).
bool wants_keep_alive(std::string_view head) {
    std::size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    bool keep = request_line.ends_with("HTTP/1.1");
    std::size_t pos = line_end;
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        std::size_t start = pos + 2;
        std::size_t end = head.find("\r\n", start);
        std::string_view line = head.substr(start, end - start);
        std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && iequals(line.substr(0, colon), "connection")) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (iequals(value, "close")) keep = false;
            else if (iequals(value, "keep-alive")) keep = true;
        }
        pos = end;
    }
    return keep;
}

}  // namespace

std::size_t HttpApp::serve_requests(tcp::Connection& c, std::string_view bytes) {
    std::size_t used = 0;
    for (;;) {
        std::size_t end = bytes.find(kHeaderEnd, used);
        if (end == std::string_view::npos) return used;
        std::string_view head = bytes.substr(used, end - used);
        used = end + kHeaderEnd.size();
        const bool keep = wants_keep_alive(head);
        const std::string& r = cached_response(keep);
        c.send({reinterpret_cast<const std::uint8_t*>(r.data()), r.size()});
        if (!keep) {
            c.close();
            return bytes.size();  // anything after a closing request is ignored
        }
    }
}

std::size_t HttpApp::on_data(tcp::Connection& c, std::span<const std::uint8_t> data) {
    std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    auto* partial = static_cast<std::string*>(c.app_context);
    if (!partial) {
        // Common case: whole requests in one segment, parsed in place.
        std::size_t used = serve_requests(c, bytes);
        if (used < bytes.size() && c.state() != tcp::State::closed && !c.app_context) {
            c.app_context = new std::string(bytes.substr(used));
        }
        return data.size();
    }
    partial->append(bytes);
    if (partial->size() > kMaxRequestHead) {
        c.abort();
        return data.size();
    }
    std::size_t used = serve_requests(c, *partial);
    if (auto* still = static_cast<std::string*>(c.app_context)) still->erase(0, used);
    return data.size();
}

void HttpApp::on_peer_closed(tcp::Connection& c) { c.close(); }

void HttpApp::on_closed(tcp::Connection& c, tcp::CloseReason) {
    delete static_cast<std::string*>(c.app_context);
    c.app_context = nullptr;
}

}  // namespace synline::app
