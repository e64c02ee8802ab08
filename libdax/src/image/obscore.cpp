// ObsCore 1.1 (sections 3 and 4) from FITS headers: WCS footprint and pixel scale through
// WCSLIB, times from MJD-OBS/DATE-OBS (FITS 4.0 section 9), energy from FILTER via a band table.
#include <dax/image/obscore.hpp>

#include <dax/ascii.hpp>

#include <dax/dali/shapes.hpp>
#include <dax/fits/image.hpp>
#include <dax/image/wcs.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace dax::image {

namespace {

namespace g = dax::geometry;

std::string replace_all(std::string s, std::string_view key, std::string_view value) {
    for (std::size_t at = 0; (at = s.find(key, at)) != std::string::npos; at += value.size()) s.replace(at, key.size(), value);
    return s;
}

// A keyword of the science HDU, else of the primary HDU when the extension inherits it.
struct keywords {
    const fits::hdu& own;
    const fits::hdu* inherited;
    std::optional<std::string> text(std::string_view k) const {
        if (auto v = own.text(k)) return v;
        return inherited ? inherited->text(k) : std::nullopt;
    }
    std::optional<double> number(std::string_view k) const {
        if (auto v = own.number(k)) return v;
        return inherited ? inherited->number(k) : std::nullopt;
    }
};

std::string obs_id_of(const std::string& path, const keywords& kw) {
    if (auto id = kw.text("OBSID"); id && !id->empty()) return *id;
    std::string name = std::filesystem::path(path).filename().string();
    for (std::string_view ext : {".fits.fz", ".fits.gz", ".fits", ".fit", ".fz"})
        if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
            name.resize(name.size() - ext.size());
            break;
        }
    return name;
}

std::optional<double> mjd(const keywords& kw, const char* mjd_key, const char* date_key) {
    if (auto v = kw.number(mjd_key)) return v;
    if (auto d = kw.text(date_key))
        if (auto m = dali::parse_timestamp_mjd(*d)) return *m;
    return std::nullopt;
}

void describe_time(dataset& d, const keywords& kw) {
    d.exptime = kw.number("EXPTIME");
    if (!d.exptime) d.exptime = kw.number("EXPOSURE");
    if (d.t_xel > 1 || (d.t_min && d.t_max)) return;  // a time axis says more than the header
    d.t_min = mjd(kw, "MJD-OBS", "DATE-OBS");
    d.t_max = mjd(kw, "MJD-END", "DATE-END");
    if (!d.t_max && d.t_min && d.exptime) d.t_max = *d.t_min + *d.exptime / 86400.0;
}

// The axes of a cube beyond the celestial two (ObsCore 1.1 sections 4.19-4.23).
void describe_axes(dataset& d, const sky_wcs& w, const std::vector<long>& shape) {
    static const char* const names[] = {"YX", "XY", "YY", "XX", "LR", "RL", "LL", "RR", "", "I", "Q", "U", "V"};  // codes -8..4
    for (std::size_t a = 2; a < shape.size(); ++a) {
        if (shape[a] > 1) d.dataproduct_type = "cube";
        const auto kind = w.kind(a);
        if (kind == axis_kind::other) continue;
        auto v = w.axis_values(a, shape[a]);
        if (!v || v->empty()) continue;
        const auto [lo, hi] = std::minmax_element(v->begin(), v->end());
        if (kind == axis_kind::spectral) {
            d.em_min = *lo, d.em_max = *hi, d.em_xel = shape[a];
        } else if (kind == axis_kind::time) {
            d.t_min = *lo, d.t_max = *hi, d.t_xel = shape[a];
        } else {
            d.pol_xel = shape[a];
            for (double code : *v)
                if (code >= -8 && code <= 4 && code != 0) d.pol_states += "/" + std::string(names[static_cast<int>(code) + 8]);
            if (!d.pol_states.empty()) d.pol_states += "/";
        }
    }
}

void describe_sky(dataset& d, const fits::hdu& h, const ingest_settings& s) {
    auto w = sky_wcs::from_header(h.header, h.shape);
    if (!w) throw w.err();
    describe_axes(d, *w, h.shape);
    d.xel1 = h.shape[0];
    d.xel2 = h.shape[1];
    d.region = w->footprint(s.footprint_tolerance_px);
    if (d.region.size() < 3) throw error("the footprint of the image is not defined by its WCS");
    const auto c = w->centre();
    d.ra = c.lon;
    d.dec = c.lat;
    d.pixel_scale_arcsec = w->pixel_scale() * 3600.0;
    for (std::size_t i = 0; i < d.region.size(); ++i)  // the diameter: the widest pair of vertices
        for (std::size_t j = i + 1; j < d.region.size(); ++j)
            d.fov = std::max(d.fov, g::distance_deg(d.region[i].lon, d.region[i].lat, d.region[j].lon, d.region[j].lat));
}

}  // namespace

std::map<std::string, std::pair<double, double>, std::less<>> ingest_settings::default_bands() {
    return {{"u", {3.2e-7, 4.0e-7}}, {"g", {4.0e-7, 5.5e-7}}, {"r", {5.5e-7, 6.9e-7}},
            {"i", {6.9e-7, 8.2e-7}}, {"z", {8.2e-7, 9.2e-7}}, {"y", {9.2e-7, 1.06e-6}}};
}

result<dataset> describe_fits(const std::string& path, const ingest_settings& s) {
    auto hdus = fits::read_headers(path);
    if (!hdus) return hdus.err();
    return capture([&] {
        dataset d;
        d.path = path;
        std::error_code ec;
        d.bytes = std::filesystem::file_size(path, ec);
        const fits::hdu* science = nullptr;
        for (const auto& h : *hdus)
            if (h.image && h.shape.size() >= 2 && sky_wcs::from_header(h.header, h.shape)) {
                science = &h;
                break;
            }
        if (!science) throw error("no image HDU with a celestial WCS");
        d.hdu = science->index;
        // An extension inherits the primary header when it says so, or when the primary has no
        // data (the usual multi-extension layout).
        const bool inherit = science->index > 0 && (science->text("INHERIT") == "T" || !hdus->front().image);
        const keywords kw{*science, inherit ? &hdus->front() : nullptr};
        describe_sky(d, *science, s);
        describe_time(d, kw);
        d.obs_id = obs_id_of(path, kw);
        d.target = kw.text("OBJECT").value_or("");
        d.facility = kw.text("TELESCOP").value_or(s.facility);
        d.instrument = kw.text("INSTRUME").value_or(s.instrument);
        d.band = kw.text("FILTER").value_or("");
        if (auto b = s.bands.find(d.band); b != s.bands.end() && !d.em_min) {
            d.em_min = b->second.first;
            d.em_max = b->second.second;
        }
        d.title = kw.text("TITLE").value_or(d.band.empty() ? d.obs_id : fmt::format("{}-band image {}", d.band, d.obs_id));
        std::string did = replace_all(s.did_template, "{authority}", s.authority);
        did = replace_all(did, "{collection}", s.collection);
        d.did = replace_all(did, "{obs_id}", uri_escaped(d.obs_id));
        if (!s.access_url_template.empty()) {
            std::string url = replace_all(s.access_url_template, "{obs_id}", uri_escaped(d.obs_id));
            url = replace_all(url, "{file}", uri_escaped(std::filesystem::path(path).filename().string()));
            d.access_url = replace_all(url, "{did}", uri_escaped(d.did));
        }
        return d;
    });
}

const std::vector<std::string>& obscore_columns() {
    static const std::vector<std::string> c = {
        "dataproduct_type", "calib_level", "obs_collection", "obs_id", "obs_title", "obs_publisher_did",
        "access_url", "access_format", "access_estsize", "target_name", "s_ra", "s_dec", "s_fov", "s_region",
        "s_resolution", "t_min", "t_max", "t_exptime", "em_min", "em_max", "o_ucd", "facility_name",
        "instrument_name", "s_xel1", "s_xel2", "t_xel", "em_xel", "pol_xel", "s_pixel_scale", "em_ucd", "pol_states"};
    return c;
}

std::vector<std::string> obscore_values(const dataset& d, const ingest_settings& s) {
    auto num = [](std::optional<double> v) { return v ? fmt::format("{:.17g}", *v) : std::string(); };
    std::string region;
    for (const auto& v : d.region) region += fmt::format("{}{:.9f} {:.9f}", region.empty() ? "" : " ", v.lon, v.lat);
    return {d.dataproduct_type, std::to_string(s.calib_level), s.collection, d.obs_id, d.title, d.did,
            d.access_url, s.access_format.empty() || d.access_url.empty() ? d.format : s.access_format, std::to_string((d.bytes + 1023) / 1024), d.target,
            fmt::format("{:.9f}", d.ra), fmt::format("{:.9f}", d.dec), fmt::format("{:.6f}", d.fov), region,
            // s_resolution: the pixel scale when the header says nothing of the seeing
            fmt::format("{:.4f}", d.pixel_scale_arcsec), num(d.t_min), num(d.t_max), num(d.exptime), num(d.em_min),
            num(d.em_max), "phot.count", d.facility, d.instrument, std::to_string(d.xel1), std::to_string(d.xel2),
            std::to_string(d.t_xel), std::to_string(d.em_xel), std::to_string(d.pol_xel), fmt::format("{:.6f}", d.pixel_scale_arcsec),
            d.em_min ? "em.wl" : "", d.pol_states};
}

}  // namespace dax::image
