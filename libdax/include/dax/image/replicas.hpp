#pragma once
/// Replicas of datasets (SKA's distributed data, seed 004): a dataset's file may also be at other
/// sites (mirrors, remote object stores). DataLink #this then lists every copy, the one nearest
/// the client first, as a configured client-network -> site table decides.
///
/// The replicas table is CSV with a header line: `did,site,url[,content_length]`, one line per
/// copy elsewhere (the local file is not listed: links-server signs its own URL for it). Sites
/// are names; the table of client networks maps a client address to the site nearest it.
#include <dax/datalink/links.hpp>
#include <dax/error.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dax::image {

struct replica {
    std::string site, url;
    std::optional<std::int64_t> bytes;
};

/// A client network ("10.1.0.0/16", "2001:db8::/32", one address) and the site nearest it.
struct site_rule {
    std::string network, site;
};

class replica_table {
public:
    /// Reads the CSV; a malformed line is an error naming its number.
    static result<replica_table> load(const std::string& path);
    /// The copies of `did` elsewhere, in the table's order.
    const std::vector<replica>& of(const std::string& did) const;
    std::size_t size() const { return count_; }

private:
    std::map<std::string, std::vector<replica>, std::less<>> by_did_;
    std::size_t count_ = 0;
};

/// The site of a client address: the first rule whose network holds it, else "".
std::string site_of(const std::string& client_address, const std::vector<site_rule>& rules);

/// Replaces each #this row whose ID has replicas by one row per copy: the copy at `client_site`
/// first, then the local file (at `local_site`), then the other sites by name. Rows keep their
/// order otherwise; each #this row's description names its site.
void add_replicas(std::vector<datalink::link>& rows, const replica_table& table, const std::string& client_site,
                  const std::string& local_site);

}  // namespace dax::image
