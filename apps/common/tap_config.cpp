#include "tap_config.hpp"

#include "yaml_read.hpp"

#include <dax/ascii.hpp>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace dax::tapserver {
using http::read;
using http::read_seconds;

namespace {

// images: the ObsCore description of ingested FITS files (README, "Images").
void read_images(const YAML::Node& root, const std::string& path, image::ingest_settings& s) {
    const auto n = root["images"];
    if (!n) return;
    read(n, "collection", s.collection);
    read(n, "did_template", s.did_template);
    read(n, "authority", s.authority);
    read(n, "access_url", s.access_url_template);
    read(n, "calib_level", s.calib_level);
    read(n, "facility", s.facility);
    read(n, "instrument", s.instrument);
    if (const auto b = n["bands"]) {
        s.bands.clear();
        for (const auto& kv : b) {
            const auto v = kv.second.as<std::vector<double>>();
            if (v.size() != 2 || !(v[0] < v[1]))
                throw YAML::Exception(kv.second.Mark(), fmt::format("{}: images.bands.{} must be [em_min, em_max] in metres",
                                                                    path, kv.first.as<std::string>()));
            s.bands[kv.first.as<std::string>()] = {v[0], v[1]};
        }
    }
}

// replicas: the table of copies elsewhere and the client networks' nearest sites (README, links-server).
void read_replicas(const YAML::Node& root, const std::string& path, server_config::replica_settings& r) {
    const auto n = root["replicas"];
    if (!n) return;
    read(n, "table", r.table);
    read(n, "local_site", r.local_site);
    if (const auto sites = n["sites"]) {
        for (const auto& s : sites) {
            image::site_rule rule;
            read(s, "network", rule.network);
            read(s, "site", rule.site);
            if (rule.network.empty() || rule.site.empty())
                throw YAML::Exception(s.Mark(), fmt::format("{}: replicas.sites entries need network and site", path));
            r.sites.push_back(rule);
        }
    }
}

// descriptors: a list of {column, name, description, standard_id, access_url, content_type,
// params: [{name, value | ref: true, datatype, arraysize, ucd, unit, xtype, description, options}]}.
void read_descriptors(const YAML::Node& root, const std::string& path, std::vector<datalink::descriptor_template>& out) {
    const auto n = root["descriptors"];
    if (!n) return;
    if (!n.IsSequence()) throw YAML::Exception(n.Mark(), fmt::format("{}: descriptors must be a list", path));
    for (const auto& d : n) {
        datalink::descriptor_template t;
        read(d, "column", t.column);
        read(d, "name", t.resource.name);
        read(d, "description", t.resource.description);
        read(d, "standard_id", t.resource.standard_id);
        read(d, "access_url", t.resource.access_url);
        read(d, "content_type", t.resource.content_type);
        if (t.column.empty() || t.resource.access_url.empty())
            throw YAML::Exception(d.Mark(), fmt::format("{}: each descriptor needs column and access_url", path));
        bool refers = false;
        for (const auto& p : d["params"]) {
            votable::service_param sp;
            read(p, "name", sp.name);
            read(p, "value", sp.value);
            read(p, "datatype", sp.datatype);
            read(p, "arraysize", sp.arraysize);
            read(p, "ucd", sp.ucd);
            read(p, "unit", sp.unit);
            read(p, "xtype", sp.xtype);
            read(p, "description", sp.description);
            if (p["ref"] && p["ref"].as<bool>()) sp.ref = "$column", refers = true;
            if (const auto o = p["options"]) sp.options = o.as<std::vector<std::string>>();
            if (sp.name.empty()) throw YAML::Exception(p.Mark(), fmt::format("{}: a descriptor parameter needs a name", path));
            t.resource.inputs.push_back(std::move(sp));
        }
        if (!refers) throw YAML::Exception(d.Mark(), fmt::format("{}: descriptor for {}: one parameter needs ref: true (the column's value)", path, t.column));
        out.push_back(std::move(t));
    }
}

}  // namespace

void add_demo_descriptors(server_config& c) {
    if (!c.demo) return;
    for (const auto& d : c.descriptors)
        if (ascii_iequals(d.column, "demo.stars.id")) return;  // the site's own wins
    // The demo's light curves through links-server's time series redirect, written as a site
    // would write it in its config (README "links-server").
    static const char* const text = R"(descriptors:
  - column: demo.stars.id
    name: lightcurve
    description: "The star's light curve: its forced photometry on every visit, in time order"
    access_url: "{links}/timeseries"
    content_type: application/x-votable+xml
    params:
      - {name: id, ref: true, datatype: long, arraysize: "", ucd: meta.id;meta.main}
      - {name: table, value: demo.forced_sources}
      - {name: id_column, value: star_id}
      - {name: join_time_column, value: demo.visits.mjd}
      - {name: band, options: [all, g, r], description: "The band, or all"}
      - {name: detail, options: [principal, full, minimal], description: "Which columns"}
)";
    std::vector<datalink::descriptor_template> demo;
    read_descriptors(YAML::Load(text), "the demo descriptors", demo);
    c.descriptors.insert(c.descriptors.begin(), demo.begin(), demo.end());
}

result<server_config> load_config(const std::string& path, server_config c) {
    try {
        const YAML::Node root = YAML::LoadFile(path);
        auto shared = http::read_settings(root, path, "tap", c.common);
        if (!shared) return shared.err();
        c.service.data_dir = c.common.data_dir;
        read(root, "results_dir", c.results_dir);
        read(root, "demo", c.demo);
        read(root, "demo_backend", c.demo_backend);
        if (const auto l = root["limits"]) {
            auto& m = c.service.lim;
            read(l, "default_maxrec", m.default_maxrec);
            read(l, "hard_maxrec", m.hard_maxrec);
            read_seconds(l, "sync_timeout", m.sync_timeout);
            read(l, "execution_duration", m.async_execution_duration);
            read(l, "max_execution_duration", m.max_execution_duration);
            read_seconds(l, "result_retention", m.result_retention);
            read(l, "max_upload_bytes", m.max_upload_bytes);
            read(l, "max_upload_rows", m.max_upload_rows);
            read(l, "queries_in_flight", m.queries_in_flight);
            read(l, "async_workers", m.async_workers);
            read(l, "upload_urls", m.upload_urls);
            read(l, "upload_url_allow", m.upload_url_allow);
            read_seconds(l, "upload_url_timeout", m.upload_url_timeout);
            read(l, "upload_url_fetches", m.upload_url_fetches);
            read(l, "max_query_bytes", m.query.max_bytes);
            read(l, "max_query_tokens", m.query.max_tokens);
            read(l, "max_query_depth", m.query.max_depth);
            read(l, "max_active_jobs", c.quotas.max_active_jobs);
            read(l, "max_jobs_per_minute", c.quotas.max_jobs_per_minute);
            read(l, "max_result_bytes", c.quotas.max_result_bytes);
            if (m.query.max_depth < 20) return error(fmt::format("{}: limits.max_query_depth must be at least 20", path));
            if (m.default_maxrec > m.hard_maxrec) return error(fmt::format("{}: limits.default_maxrec exceeds limits.hard_maxrec", path));
        }
        if (const auto b = root["backends"]) {
            for (const auto& kv : b) {
                const std::string name = kv.first.as<std::string>();
                const std::string type = kv.second["type"] ? kv.second["type"].as<std::string>() : "";
                if (type == "sqlite") {
                    const std::string dir = kv.second["directory"] ? kv.second["directory"].as<std::string>() : "";
                    if (dir.empty()) return error(fmt::format("{}: backends.{} needs a directory", path, name));
                    c.service.backends[name] = tap::open_sqlite_backend(dir);
                } else if (type == "postgres" || type == "mysql" || type == "mariadb") {
                    const std::string ci = kv.second["conninfo"] ? kv.second["conninfo"].as<std::string>() : "";
                    const std::size_t n = kv.second["connections"] ? kv.second["connections"].as<std::size_t>() : 8;
                    try {
                        c.service.backends[name] =
                            type == "postgres" ? tap::open_postgres_backend(ci, n) : tap::open_mysql_backend(ci, n);
                    } catch (const std::exception& e) {
                        return error(fmt::format("{}: backends.{}: {}", path, name, e.what()));
                    }
                } else {
                    return error(fmt::format("{}: backends.{}: type must be sqlite, postgres or mysql, not '{}'", path, name, type));
                }
            }
        }
        read_images(root, path, c.images);
        read_replicas(root, path, c.replicas);
        read_descriptors(root, path, c.descriptors);
        if (root["virtual_budget"]) c.virtual_budget = root["virtual_budget"].as<std::uint64_t>();
        if (root["preview_budget"]) c.preview_budget = root["preview_budget"].as<std::uint64_t>();
        if (const auto s = root["schemas"]) {
            for (const auto& e : s) {
                const std::string file = e["felis"] ? e["felis"].as<std::string>() : "";
                if (file.empty()) return error(fmt::format("{}: every schemas entry needs 'felis: FILE'", path));
                std::ifstream in(file);
                if (!in) return error(fmt::format("{}: cannot read Felis file '{}'", path, file));
                std::stringstream text;
                text << in.rdbuf();
                c.service.schemas.push_back({text.str(), e["backend"] ? e["backend"].as<std::string>() : "sqlite"});
            }
        }
    } catch (const YAML::Exception& e) {
        return error(fmt::format("{}: {}", path, e.what()));
    }
    return c;
}

}  // namespace dax::tapserver
