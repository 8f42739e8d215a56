#include "response_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace synline::gen {

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";
constexpr std::size_t kMaxHead = 16384;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

void ResponseParser::reset() {
    in_body_ = fixed_ != 0;
    body_left_ = fixed_;
    head_.clear();
    status_ = 0;
    close_ = false;
}

ResponseParser::Result ResponseParser::parse_head(std::string_view head) {
    // RFC 9112 4: HTTP-version SP status-code SP [reason-phrase]
    if (head.size() < 12 || !head.starts_with("HTTP/1.") || head[8] != ' ') {
        error_ = "no HTTP/1.x status line";
        return Result::bad;
    }
    int code = 0;
    auto [p, ec] = std::from_chars(head.data() + 9, head.data() + 12, code);
    if (ec != std::errc{} || p != head.data() + 12 || code < 100) {
        error_ = "bad status code";
        return Result::bad;
    }
    status_ = code;
    close_ = head[7] == '0';  // HTTP/1.0 closes unless told otherwise
    bool have_length = false;
    std::uint64_t length = 0;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 <= head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
            if (iequals(name, "content-length")) {
                auto [q, e] = std::from_chars(value.data(), value.data() + value.size(), length);
                if (e != std::errc{} || q != value.data() + value.size()) {
                    error_ = "bad Content-Length";
                    return Result::bad;
                }
                have_length = true;
            } else if (iequals(name, "connection")) {
                if (iequals(value, "close")) close_ = true;
                else if (iequals(value, "keep-alive")) close_ = false;
            } else if (iequals(name, "transfer-encoding")) {
                error_ = "chunked responses are not supported";
                return Result::bad;
            }
        }
        pos = end;
    }
    // 1xx, 204 and 304 have no body (RFC 9112 6.3); otherwise we require a length.
    if (!have_length && !(code < 200 || code == 204 || code == 304)) {
        error_ = "no Content-Length";
        return Result::bad;
    }
    in_body_ = true;
    body_left_ = have_length ? length : 0;
    return Result::need_more;
}

ResponseParser::Result ResponseParser::feed(std::span<const std::uint8_t> data, std::size_t& used) {
    used = 0;
    if (!in_body_) {
        std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
        std::size_t head_len;
        if (head_.empty()) {
            const std::size_t end = bytes.find(kHeadEnd);
            if (end == std::string_view::npos) {
                head_.assign(bytes);
                used = data.size();
                return Result::need_more;
            }
            head_len = end + kHeadEnd.size();
            if (parse_head(bytes.substr(0, end + 2)) == Result::bad) return Result::bad;
        } else {
            // Search across the boundary: the last 3 bytes already held may start the end mark.
            const std::size_t old = head_.size();
            head_.append(bytes.substr(0, std::min(bytes.size(), kMaxHead)));
            const std::size_t end = head_.find(kHeadEnd, old >= 3 ? old - 3 : 0);
            if (end == std::string::npos) {
                used = data.size();
                if (head_.size() > kMaxHead) {
                    error_ = "response head too long";
                    return Result::bad;
                }
                return Result::need_more;
            }
            head_len = end + kHeadEnd.size() - old;
            if (parse_head(std::string_view(head_).substr(0, end + 2)) == Result::bad) return Result::bad;
            head_.clear();
        }
        used = head_len;
        data = data.subspan(head_len);
    }
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, data.size()));
    body_left_ -= take;
    used += take;
    if (body_left_ > 0) return Result::need_more;
    return Result::complete;
}

}  // namespace synline::gen
