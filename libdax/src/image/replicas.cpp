#include <dax/image/replicas.hpp>

#include <dax/net/url_fetch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace dax::image {

result<replica_table> replica_table::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return error(error_kind::not_found, fmt::format("replicas: cannot read {}", path));
    replica_table t;
    std::string line;
    std::size_t n = 0;
    auto split = [](const std::string& l) {  // plain CSV: no quoted commas in DIDs, sites or URLs
        std::vector<std::string> f;
        std::stringstream ss(l);
        std::string x;
        while (std::getline(ss, x, ',')) f.push_back(x);
        if (!l.empty() && l.back() == ',') f.emplace_back();
        for (auto& v : f) {
            while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
            while (!v.empty() && v.front() == ' ') v.erase(v.begin());
        }
        return f;
    };
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line == "\r") continue;
        const auto f = split(line);
        if (n == 1) {
            if (f.size() < 3 || f[0] != "did" || f[1] != "site" || f[2] != "url")
                return error(error_kind::usage, fmt::format("replicas: {} line 1 must be the header did,site,url[,content_length]", path));
            continue;
        }
        if (f.size() < 3 || f.size() > 4 || f[0].empty() || f[1].empty() || f[2].empty())
            return error(error_kind::usage, fmt::format("replicas: {} line {}: expected did,site,url[,content_length]", path, n));
        if (f[2].rfind("http://", 0) != 0 && f[2].rfind("https://", 0) != 0)
            return error(error_kind::usage, fmt::format("replicas: {} line {}: the URL must be http(s)", path, n));
        replica r{f[1], f[2], std::nullopt};
        if (f.size() == 4 && !f[3].empty()) {
            try {
                r.bytes = std::stoll(f[3]);
            } catch (const std::exception&) {
                return error(error_kind::usage, fmt::format("replicas: {} line {}: content_length is not a number", path, n));
            }
        }
        t.by_did_[f[0]].push_back(std::move(r));
        ++t.count_;
    }
    return t;
}

const std::vector<replica>& replica_table::of(const std::string& did) const {
    static const std::vector<replica> none;
    const auto it = by_did_.find(did);
    return it == by_did_.end() ? none : it->second;
}

std::string site_of(const std::string& client_address, const std::vector<site_rule>& rules) {
    for (const auto& r : rules)
        if (net::address_allowed("", client_address, {r.network})) return r.site;
    return "";
}

void add_replicas(std::vector<datalink::link>& rows, const replica_table& table, const std::string& client_site,
                  const std::string& local_site) {
    std::vector<datalink::link> out;
    out.reserve(rows.size());
    for (auto& row : rows) {
        const auto& copies = row.semantics == "#this" && row.error_message.empty() ? table.of(row.id) : std::vector<replica>{};
        if (copies.empty()) {
            out.push_back(std::move(row));
            continue;
        }
        struct entry {
            datalink::link l;
            int rank;
            std::string site;
        };
        std::vector<entry> e;
        auto rank = [&](const std::string& site) { return site == client_site ? 0 : site == local_site ? 1 : 2; };
        datalink::link local = row;
        local.description += " at " + local_site + " (this site)";
        e.push_back({local, rank(local_site), local_site});
        for (const auto& c : copies) {
            datalink::link l = row;
            l.access_url = c.url;
            if (c.bytes) l.content_length = c.bytes;
            l.description = row.description + " at " + c.site + " (a replica)";
            l.link_auth.clear();
            e.push_back({l, rank(c.site), c.site});
        }
        std::stable_sort(e.begin(), e.end(), [](const entry& a, const entry& b) { return a.rank != b.rank ? a.rank < b.rank : a.rank == 2 && a.site < b.site; });
        for (auto& x : e) out.push_back(std::move(x.l));
    }
    rows = std::move(out);
}

}  // namespace dax::image
