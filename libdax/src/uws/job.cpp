#include <dax/uws/job.hpp>
#include <dax/ascii.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <fmt/format.h>
#include <random>

namespace dax::uws {

std::optional<phase> transition(phase p, action a) {
    using P = phase;
    switch (a) {
    case action::run: if (p == P::pending || p == P::held) return P::queued; break;
    case action::start: if (p == P::queued) return P::executing; break;
    case action::complete: if (p == P::executing) return P::completed; break;
    case action::fail: if (p == P::queued || p == P::executing) return P::error; break;
    case action::abort:
        if (p == P::pending || p == P::queued || p == P::executing || p == P::held || p == P::suspended) return P::aborted;
        break;
    case action::hold: if (p == P::pending || p == P::queued) return P::held; break;
    case action::suspend: if (p == P::executing) return P::suspended; break;
    case action::resume: if (p == P::suspended) return P::executing; break;
    case action::requeue: if (p == P::executing) return P::queued; break;
    case action::archive:
        if (p != P::executing && p != P::suspended && p != P::archived && p != P::unknown) return P::archived;
        break;
    }
    return std::nullopt;
}

namespace {
constexpr std::array<std::string_view, 10> phase_names = {"PENDING", "QUEUED", "EXECUTING", "COMPLETED", "ERROR",
                                                          "ABORTED", "UNKNOWN", "HELD", "SUSPENDED", "ARCHIVED"};
}

std::string_view phase_name(phase p) { return phase_names[static_cast<size_t>(p)]; }

std::optional<phase> phase_from_name(std::string_view s) {
    for (size_t i = 0; i < phase_names.size(); ++i) {
        const auto n = phase_names[i];
        if (n.size() != s.size()) continue;
        bool eq = true;
        for (size_t k = 0; k < n.size(); ++k)
            if (std::toupper(static_cast<unsigned char>(s[k])) != n[k]) eq = false;
        if (eq) return static_cast<phase>(i);
    }
    return std::nullopt;
}

std::string_view action_name(action a) {
    static constexpr std::string_view names[] = {"RUN", "START", "COMPLETE", "FAIL", "ABORT", "HOLD",
                                                 "SUSPEND", "RESUME", "REQUEUE", "ARCHIVE"};
    return names[static_cast<size_t>(a)];
}

bool is_active(phase p) { return p == phase::queued || p == phase::executing || p == phase::suspended; }
bool is_terminal(phase p) {
    return p == phase::completed || p == phase::error || p == phase::aborted || p == phase::archived;
}

time_point now_ms() { return std::chrono::time_point_cast<std::chrono::milliseconds>(clock::now()); }

std::string iso8601(time_point t) {
    const auto ms = t.time_since_epoch().count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (ms % 1000 < 0) --secs;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03d}Z", b, static_cast<int>(((ms % 1000) + 1000) % 1000));
}

std::optional<time_point> parse_iso8601(std::string_view s) {
    // YYYY-MM-DDThh:mm:ss[.fff][Z|+00:00]
    auto num = [&](size_t pos, size_t len, int& out) {
        if (pos + len > s.size()) return false;
        auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
        return ec == std::errc() && p == s.data() + pos + len;
    };
    std::tm tm{};
    int Y, M, D, h = 0, m = 0, sec = 0, ms = 0;
    if (!num(0, 4, Y) || s.size() < 10 || s[4] != '-' || !num(5, 2, M) || s[7] != '-' || !num(8, 2, D)) return std::nullopt;
    size_t pos = 10;
    if (pos < s.size()) {
        if (s[pos] != 'T' || !num(pos + 1, 2, h) || s[pos + 3] != ':' || !num(pos + 4, 2, m)) return std::nullopt;
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            if (!num(pos + 1, 2, sec)) return std::nullopt;
            pos += 3;
        }
        if (pos < s.size() && s[pos] == '.') {
            size_t e = pos + 1;
            while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) ++e;
            std::string frac(s.substr(pos + 1, e - pos - 1));
            frac.resize(3, '0');
            ms = std::stoi(frac);
            pos = e;
        }
        const std::string_view zone = s.substr(pos);
        if (!(zone.empty() || zone == "Z" || zone == "+00:00")) return std::nullopt;
    }
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    const std::time_t t = timegm(&tm);
    return time_point(std::chrono::milliseconds(static_cast<std::int64_t>(t) * 1000 + ms));
}

std::optional<std::string> job::parameter(std::string_view name) const {
    for (const auto& [k, v] : parameters)
        if (ascii_iequals(k, name)) return v;
    return std::nullopt;
}

std::string new_job_id() {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    thread_local std::random_device rd;  // the kernel's CSPRNG
    std::string id;
    for (int i = 0; i < 4; ++i) {
        std::uint32_t v = rd();
        for (int k = 0; k < 6; ++k) {
            id.push_back(alphabet[v & 31]);
            v >>= 5;
        }
    }
    return id.substr(0, 24);  // 120 random bits
}

}  // namespace dax::uws
