#pragma once
// The DataLink 1.1 routes of links-server: {links}, the signed file and preview downloads its
// links point at, the time series redirect, VOSI capabilities and availability.
#include "../common/http_server.hpp"
#include "../common/signed_url.hpp"
#include "../common/virtual_files.hpp"

#include <dax/image/links.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/replicas.hpp>
#include <dax/image/store.hpp>
#include <dax/adql/catalog.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace dax::linksserver {

struct links_binding {
    std::string base = "/links";
    std::string public_url;                     ///< this site's public URL, "" = from the request
    const image::image_store* store = nullptr;  ///< IDs are looked up here, never used as paths
    image::ingest_settings images;
    const http::url_signer* signer = nullptr;
    std::chrono::seconds url_lifetime{3600};    ///< of signed #this URLs (Cache-Control follows it)
    std::string soda_sync, tap_sync;            ///< where #cutout and #counterpart point ("" = none)
    std::size_t max_ids = 1000;                 ///< IDs answered in one request (OVERFLOW beyond)
    std::string preview_dir;                    ///< where made previews are kept ("" = no #preview)
    std::uint64_t preview_budget = 256u << 20;  ///< bytes of kept previews (least recently used go beyond)
    const image::replica_table* replicas = nullptr;  ///< copies elsewhere (null: none)
    std::vector<image::site_rule> sites;        ///< client network -> nearest site
    std::string local_site = "local";
    const adql::memory_catalog* catalog = nullptr;  ///< for /timeseries (null: no such route)
    http::virtual_files* virtual_files = nullptr;   ///< makes virtual datasets' files (null: none)
    std::function<std::optional<std::string>(const httplib::Request&)> identity;  ///< null: open
    std::function<std::optional<std::string>(const httplib::Request&)> tap_identity;  ///< /timeseries (read:tap); null: open
};

void add_links_routes(http::server& server, const links_binding& b);

}  // namespace dax::linksserver
