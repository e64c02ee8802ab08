// DataLink 1.1 {links} (sections 3.1-3.3: ID repeated, RESPONSEFORMAT, MAXREC with OVERFLOW never
// splitting an ID's rows, no ID: an empty table and the service's self-description), the signed
// downloads of #this and #preview, and the time series redirect.
#include "links_http.hpp"

#include "../common/replies.hpp"

#include <dax/ascii.hpp>
#include <dax/dali/params.hpp>
#include <dax/dali/vosi.hpp>
#include <dax/datalink/links.hpp>
#include <dax/image/preview.hpp>
#include <dax/image/virtual_products.hpp>
#include <dax/tap/timeseries.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace dax::linksserver {

namespace {

// A DID in a URL path: hex, which no proxy or HTTP library decodes or normalises ('/', '?', '%'
// in DIDs would be).
std::string hex(const std::string& s) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) out += digits[c >> 4], out += digits[c & 15];
    return out;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The service's own descriptor (DataLink 1.1 section 4.5): what a client calling without an
// ID learns.
datalink::service_descriptor self_description(const std::string& url) {
    datalink::service_descriptor d;
    d.self = true;
    d.name = "links";
    d.description = "DataLink 1.1 links of the image datasets of this site: the file, a SODA cutout service, "
                    "auxiliary extensions and the catalogue sources in the field";
    d.standard_id = datalink::standard_id;
    d.access_url = url;
    d.content_type = datalink::media_type;
    datalink::service_param id;
    id.name = "ID";
    id.ucd = "meta.id;meta.main";
    id.description = "Publisher dataset identifier (obs_publisher_did); repeat for several";
    d.inputs.push_back(id);
    datalink::service_param format;
    format.name = "RESPONSEFORMAT";
    format.description = "votable (default) or text/plain (a manifest of download URLs)";
    format.options = {"application/x-votable+xml;content=datalink", "text/plain"};
    d.inputs.push_back(format);
    return d;
}

void links(const links_binding& b, const httplib::Request& req, httplib::Response& res) {
    if (b.identity && !b.identity(req)) return http::reply_error(res, error(error_kind::unauthenticated, "authentication required"));
    const auto p = http::request_parameters(req);
    for (const auto& [name, value] : p)
        if (!dali::iequals(name, "ID") && !dali::iequals(name, "RESPONSEFORMAT") && !dali::iequals(name, "MAXREC") &&
            !dali::iequals(name, "REQUEST"))
            return http::reply_error(res, error(error_kind::usage, fmt::format("UsageFault: unknown parameter {} (DataLink takes ID, "
                                                                               "RESPONSEFORMAT, MAXREC)", name)));
    bool manifest = false;
    if (auto f = dali::value(p, "RESPONSEFORMAT"); f && !f->empty()) {
        // MIME type parameters (";content=datalink", ";charset=...") are stripped (section 3.1.2).
        std::string v = ascii_lower(dali::trim(*f));
        v = std::string(dali::trim(v.substr(0, v.find(';'))));
        if (v == "text/plain") manifest = true;
        else if (v != "votable" && v != "application/x-votable+xml" && v != "text/xml")
            return http::reply_error(res, error(error_kind::usage, fmt::format("UsageFault: RESPONSEFORMAT {} is not offered "
                                                                               "(votable or text/plain)", *f)));
    }
    auto m = dali::maxrec(p, 100000, 100000);
    if (!m) return http::reply_error(res, m.err());
    const auto maxrec = static_cast<std::size_t>(*m);
    const std::string origin = http::origin(req, b.public_url);
    image::link_targets t;
    t.soda_sync = b.soda_sync;
    // The sources in the field: only when the catalogue table is published here.
    if (b.catalog && !b.catalog->tables_named(ascii_lower(t.catalog_table.substr(t.catalog_table.find('.') + 1))).empty())
        t.tap_sync = b.tap_sync;
    const std::int64_t expires = unix_now() + b.url_lifetime.count();
    t.file_url = [&](const image::stored_file& f) {
        const std::string path = b.base + "/files/" + hex(f.did);
        return origin + path + "?" + b.signer->query(path, expires);
    };
    if (!b.preview_dir.empty())
        t.preview_url = [&](const image::stored_file& f) {
            const std::string path = b.base + "/preview/" + hex(f.did);
            return origin + path + "?" + b.signer->query(path, expires);
        };
    std::vector<datalink::link> rows;
    std::vector<datalink::service_descriptor> descriptors;
    bool overflow = false;
    int serial = 0;
    const std::string client_site = b.replicas ? image::site_of(req.remote_addr, b.sites) : std::string();
    for (const auto& id : dali::values(p, "ID")) {
        if (static_cast<std::size_t>(serial) >= b.max_ids) {
            overflow = true;
            break;
        }
        std::vector<datalink::link> mine;
        std::vector<datalink::service_descriptor> theirs;
        // Looked up trimmed, echoed as sent: clients match rows to the IDs they gave.
        image::dataset_links(*b.store, b.images, std::string(dali::trim(id)), t, ++serial, mine, theirs);
        for (auto& row : mine) row.id = id;
        if (b.replicas) image::add_replicas(mine, *b.replicas, client_site, b.local_site);  // #this per copy, nearest first
        if (rows.size() + mine.size() > maxrec) {  // never split one ID's rows (section 3.2.1)
            overflow = true;
            break;
        }
        rows.insert(rows.end(), mine.begin(), mine.end());
        descriptors.insert(descriptors.end(), theirs.begin(), theirs.end());
    }
    if (serial == 0) descriptors.push_back(self_description(origin + b.base));
    string_sink out;
    if (manifest) {
        datalink::write_manifest(out, rows);
        res.set_content(std::move(out.out), "text/plain; charset=utf-8");
    } else {
        datalink::write_links(out, rows, descriptors, overflow);
        // The DataLink media type whatever Accept prefers: STILTS and Java send HTML first.
        res.set_content(std::move(out.out), datalink::media_type);
    }
    // The signed URLs inside live as long as this: caches must not keep the document longer.
    res.set_header("Cache-Control", fmt::format("private, max-age={}", std::max<std::int64_t>(0, b.url_lifetime.count() - 60)));
}

// The DID of a signed path's last segment, or the 403 already answered.
std::optional<std::string> signed_did(const links_binding& b, const std::string& kind, const httplib::Request& req, httplib::Response& res) {
    const std::string encoded = req.matches[1];
    const std::string path = b.base + "/" + kind + "/" + encoded;
    if (auto why = b.signer->check(path, req.get_param_value("expires"), req.get_param_value("signature"), unix_now())) {
        http::reply_error(res, error(error_kind::forbidden, "Forbidden: " + *why));
        return std::nullopt;
    }
    std::string did;
    for (std::size_t i = 0; i + 1 < encoded.size(); i += 2) did += static_cast<char>(std::stoi(encoded.substr(i, 2), nullptr, 16));
    return did;
}

// What a signed download may be cached for: until its URL expires (set once the answer is known).
void cache_until_expiry(const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", fmt::format("private, max-age={}",
                                                std::max<std::int64_t>(0, std::stoll(req.get_param_value("expires")) - unix_now())));
}

// GET /links/files/<DID in hex>?expires=&signature=: the file, when the signature is this site's
// and unexpired (no database lookup to decide); 403 with the reason otherwise.
void file(const links_binding& b, const httplib::Request& req, httplib::Response& res) {
    auto did = signed_did(b, "files", req, res);
    if (!did) return;
    const auto f = b.store->find(*did);
    if (!f) return http::reply_error(res, error(error_kind::not_found, "NotFoundFault: the dataset is no longer in the image store"));
    if (b.virtual_files)  // a virtual product: made first (503 + Retry-After meanwhile)
        if (auto e = b.virtual_files->available(*f)) return http::reply_error(res, *e);
    cache_until_expiry(req, res);
    // RFC 6266: the obs_id as UTF-8 in filename*, percent-encoded (no quote or CR/LF can get in).
    res.set_header("Content-Disposition", fmt::format("attachment; filename*=UTF-8''{}.fits", uri_escaped(f->obs_id)));
    http::serve_file(res, f->path, "application/fits");
}

// Kept previews over `budget` bytes: the least recently used go (never `keep`, just made).
void prune_previews(const std::string& dir, std::uint64_t budget, const std::string& keep) {
    namespace fs = std::filesystem;
    std::vector<std::pair<fs::file_time_type, fs::path>> files;
    std::uint64_t total = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() != ".png") continue;
        total += e.file_size(ec);
        files.emplace_back(e.last_write_time(ec), e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& [t, p] : files) {
        if (total <= budget) break;
        if (p.string() == keep) continue;
        const auto size = fs::file_size(p, ec);
        if (fs::remove(p, ec)) total -= size;
    }
}

// GET /links/preview/<DID in hex>?expires=&signature=: the PNG, made on first request and kept
// in preview_dir under a name from the file's identity (a changed file gets a new preview).
void preview(const links_binding& b, const httplib::Request& req, httplib::Response& res) {
    auto did = signed_did(b, "preview", req, res);
    if (!did) return;
    const auto f = b.store->find(*did);
    if (!f) return http::reply_error(res, error(error_kind::not_found, "NotFoundFault: the dataset is no longer in the image store"));
    if (b.virtual_files)
        if (auto e = b.virtual_files->available(*f)) return http::reply_error(res, *e);
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto size = fs::file_size(f->path, ec);
    const auto mtime = fs::last_write_time(f->path, ec).time_since_epoch().count();
    if (ec) return http::reply_error(res, error(error_kind::internal, "Error: dataset " + f->did + " could not be read"));
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a of the file's identity: a short, stable name
    for (char c : fmt::format("{}\n{}\n{}\n{}", f->did, f->path, size, mtime)) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    const std::string cached = fmt::format("{}/{:016x}.png", b.preview_dir, h);
    if (!fs::exists(cached)) {
        auto png = image::preview_png(f->path, f->hdu);
        if (!png) return http::reply_error(res, error(error_kind::internal, "Error: no preview of dataset " + f->did + " could be made"));
        fs::create_directories(b.preview_dir, ec);
        const std::string tmp = cached + ".tmp" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
        if (std::ofstream o(tmp, std::ios::binary); o.write(png->data(), static_cast<std::streamsize>(png->size()))) fs::rename(tmp, cached, ec);
        prune_previews(b.preview_dir, b.preview_budget, cached);
        if (ec || !fs::exists(cached)) {  // not kept (a full disk, say): still answered
            fs::remove(tmp, ec);
            cache_until_expiry(req, res);
            return res.set_content(std::move(*png), "image/png");
        }
    }
    image::touch(cached);  // recently used: kept longest under the budget
    cache_until_expiry(req, res);
    http::serve_file(res, cached, "image/png");
}

// GET /links/timeseries?id=&table=&id_column=&join_time_column=&band=&detail= (seed 003): a 303
// to tap-server's sync endpoint with the light curve's ADQL, every name checked against the
// published catalog (dax/tap/timeseries.hpp).
void timeseries(const links_binding& b, const httplib::Request& req, httplib::Response& res) {
    if (b.tap_identity && !b.tap_identity(req)) return http::reply_error(res, error(error_kind::unauthenticated, "authentication required"));
    const auto p = http::request_parameters(req);
    tap::timeseries_request r;
    for (const auto& [name, value] : p) {
        const std::string n = ascii_lower(name);
        if (dali::values(p, name).size() > 1)
            return http::reply_error(res, error(error_kind::usage, fmt::format("UsageFault: {} was given more than once", name)));
        if (n == "id") r.id = value;
        else if (n == "table") r.table = value;
        else if (n == "id_column") r.id_column = value;
        else if (n == "join_time_column") r.join_time_column = value;
        else if (n == "band") r.band = value;
        else if (n == "detail") r.detail = value;
        else
            return http::reply_error(res, error(error_kind::usage, fmt::format("UsageFault: unknown parameter {} (id, table, id_column, "
                                                                               "join_time_column, band, detail)", name)));
    }
    for (const auto* v : {&r.id, &r.table, &r.id_column, &r.join_time_column})
        if (v->empty())
            return http::reply_error(res, error(error_kind::usage, "UsageFault: id, table, id_column and join_time_column are required"));
    auto adql = tap::timeseries_adql(*b.catalog, r);
    if (!adql) return http::reply_error(res, adql.err());
    res.set_redirect(b.tap_sync + "?REQUEST=doQuery&LANG=ADQL&QUERY=" + uri_escaped(*adql), 303);
}

}  // namespace

void add_links_routes(http::server& server, const links_binding& b) {
    const std::string base = b.base;
    auto run = [b](const httplib::Request& req, httplib::Response& res) { links(b, req, res); };
    server.Get(base, run);
    server.post(base, run);
    server.refuse_methods(base, "GET, POST");
    // Signed URLs are their own authorization (a signed link may be handed to a download tool).
    const std::string files = base + "/files/((?:[0-9a-f]{2}){1,2048})", previews = base + "/preview/((?:[0-9a-f]{2}){1,2048})";
    server.Get(files, [b](const httplib::Request& req, httplib::Response& res) { file(b, req, res); });
    server.Get(previews, [b](const httplib::Request& req, httplib::Response& res) { preview(b, req, res); });
    server.refuse_methods(files, "GET");
    server.refuse_methods(previews, "GET");
    if (b.catalog && !b.tap_sync.empty()) {
        server.Get(base + "/timeseries", [b](const httplib::Request& req, httplib::Response& res) { timeseries(b, req, res); });
        server.refuse_methods(base + "/timeseries", "GET");
    }
    auto xml = [](httplib::Response& res, const std::string& body) { res.set_content(body, "text/xml; charset=utf-8"); };
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    server.Get(base + "/capabilities", [xml, base_url](const httplib::Request& req, httplib::Response& res) {
        auto caps = dali::vosi_capabilities(base_url(req), false, false);
        dali::capability links;
        links.standard_id = datalink::standard_id;
        links.access_url = base_url(req);
        links.use = "base";
        links.interface_attrs = "role=\"std\" version=\"1.1\"";
        caps.push_back(links);
        xml(res, dali::capabilities_document(caps));
    });
    server.Get(base + "/availability", [xml, b](const httplib::Request&, httplib::Response& res) {
        const bool up = !b.store->all().empty();
        xml(res, dali::availability_document(up, up ? "DataLink 1.1 links" : "no dataset in the image store"));
    });
    for (const std::string p : {"/capabilities", "/availability"}) server.refuse_methods(base + p, "GET");
}

}  // namespace dax::linksserver
