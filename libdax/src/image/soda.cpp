// SODA 1.0 (sections 3, 5 and 6) over the image store: parameters, combinations, one cutout.
#include <dax/image/soda.hpp>

#include <dax/fits/cutout.hpp>
#include <dax/fits/image.hpp>
#include <dax/image/cutout.hpp>
#include <dax/fits/image_writer.hpp>
#include <dax/image/wcs.hpp>

#include <fmt/format.h>

#include <cmath>

#ifndef DAX_VERSION
#define DAX_VERSION "dev"
#endif

namespace dax::image {

namespace {

error usage(std::string m) { return error(error_kind::usage, "UsageFault: " + std::move(m)); }

// BAND, TIME and POL on a 2-D image: the dataset matches or not as a whole (a cutout along an
// axis the image does not have keeps all of it when the dataset's value is inside).
bool matches(const soda_cutout& c, const dataset& d) {
    auto overlaps = [](const dali::interval& i, const std::optional<double>& lo, const std::optional<double>& hi) {
        return lo && hi && *lo <= i.hi && *hi >= i.lo;
    };
    if (c.band && !overlaps(*c.band, d.em_min, d.em_max)) return false;
    if (c.time && !overlaps(*c.time, d.t_min, d.t_max)) return false;
    return c.pols.empty();  // these images have no polarization axis or state
}

}  // namespace

result<soda_params> parse_soda(const dali::parameters& p) {
    static const char* const known[] = {"ID",  "CIRCLE",         "POLYGON", "POS",  "BAND",     "TIME",           "POL",
                                        "RESPONSEFORMAT", "RUNID", "PHASE", "EXECUTIONDURATION", "DESTRUCTION", "QUOTE",
                                        "COLLECTION"};
    for (const auto& [name, value] : p) {
        bool ok = false;
        for (const char* k : known) ok = ok || dali::iequals(name, k);
        if (!ok) return usage(fmt::format("unknown parameter {} (SODA takes ID, CIRCLE, POLYGON, POS, BAND, TIME, POL)", name));
    }
    soda_params r;
    for (auto v : dali::values(p, "ID"))
        if (!(v = dali::trim(v)).empty()) r.ids.push_back(v);
    for (const auto& [name, parser] : {std::pair{"CIRCLE", &dali::parse_circle}, std::pair{"POLYGON", &dali::parse_polygon},
                                       std::pair{"POS", &dali::parse_pos}})
        for (const auto& v : dali::values(p, name)) {
            auto s = parser(v);
            if (!s) return usage(fmt::format("{}: {}", name, s.err().what()));
            r.regions.push_back(*s);
        }
    for (const auto& [name, slot, parser] : {std::tuple{"BAND", &r.bands, &dali::parse_interval},
                                             std::tuple{"TIME", &r.times, &dali::parse_time_interval}})
        for (const auto& v : dali::values(p, name)) {
            auto i = parser(v);
            if (!i) return usage(fmt::format("{}: {}", name, i.err().what()));
            slot->push_back(*i);
        }
    for (auto v : dali::values(p, "POL"))
        if (!(v = dali::trim(v)).empty()) r.pols.push_back(v);  // empty: not given
    for (auto v : dali::values(p, "COLLECTION"))
        if (!(v = dali::trim(v)).empty()) r.collections.push_back(v);
    if (!r.ids.empty() && !r.collections.empty())
        return usage("COLLECTION selects the datasets of a film strip (a request with no ID)");
    if (r.ids.empty() && r.regions.size() != 1)
        return usage("ID is required (a film strip, with no ID, takes one CIRCLE, POLYGON or POS)");
    if (auto f = dali::value(p, "RESPONSEFORMAT"); f && !f->empty() && !dali::iequals(dali::trim(*f), "application/fits"))
        return usage(fmt::format("RESPONSEFORMAT {}: only application/fits", *f));
    return r;
}

std::size_t soda_combination_count(const soda_params& p) {
    std::size_t n = 1;
    for (std::size_t k : {p.ids.size(), p.regions.size(), p.bands.size(), p.times.size()})
        if (__builtin_mul_overflow(n, std::max<std::size_t>(k, 1), &n)) return SIZE_MAX;
    return n;
}

std::vector<soda_cutout> soda_combinations(const soda_params& p) {
    std::vector<std::optional<dali::shape>> regions(p.regions.begin(), p.regions.end());
    std::vector<std::optional<dali::interval>> bands(p.bands.begin(), p.bands.end()), times(p.times.begin(), p.times.end());
    if (regions.empty()) regions.emplace_back();
    if (bands.empty()) bands.emplace_back();
    if (times.empty()) times.emplace_back();
    std::vector<soda_cutout> out;
    for (const auto& id : p.ids)
        for (const auto& r : regions)
            for (const auto& b : bands)
                for (const auto& t : times) out.push_back({id, r, b, t, p.pols});
    return out;
}

namespace {

// The cutout of one stored file by a region (none: the whole image): its spec with provenance,
// or nothing when the region selects no pixel.
result<std::optional<fits::cutout_spec>> plan(const stored_file& file, const std::optional<dali::shape>& region, double max_bytes,
                                              double* pixel_bytes = nullptr) {
    // The reason may name server paths: clients are told which dataset, not where it lives.
    auto failed = [&](const std::string&) { return error(error_kind::internal, fmt::format("Error: dataset {} could not be read", file.did)); };
    auto headers = fits::read_headers(file.path);
    if (!headers) return failed(headers.err().what());
    if (file.hdu >= static_cast<int>(headers->size())) return failed("its science HDU is gone");
    const auto& sci = (*headers)[static_cast<std::size_t>(file.hdu)];
    auto wcs = sky_wcs::from_header(sci.header, sci.shape);
    if (!wcs) return failed(wcs.err().what());
    pixel_box box{1, wcs->width(), 1, wcs->height()};
    if (region) {
        auto b = cutout_box(*wcs, *region);
        if (!b) return std::optional<fits::cutout_spec>{};
        box = *b;
    }
    fits::cutout_spec spec;
    spec.science_hdu = file.hdu;
    spec.first.assign(sci.shape.size(), 1);
    spec.last = sci.shape;
    spec.first[0] = box.x1, spec.last[0] = box.x2, spec.first[1] = box.y1, spec.last[1] = box.y2;
    // A service limit on what one request sends (the cutout is streamed: memory is not the bound).
    double bytes = std::abs(sci.bitpix) / 8.0;
    for (std::size_t a = 0; a < spec.first.size(); ++a) bytes *= static_cast<double>(spec.last[a] - spec.first[a] + 1);
    if (pixel_bytes) *pixel_bytes = bytes;
    if (bytes > max_bytes)
        return error(error_kind::usage, fmt::format("UsageFault: the cutout of {} would hold {:.0f} MB per HDU, more than this "
                                                    "service sends ({:.0f} MB): ask for a smaller region", file.did, bytes / 1e6, max_bytes / 1e6));
    spec.provenance = {{"DAXSRCID", file.did},
                       {"DAXREGN", region ? region_text(*region) : "whole image"},
                       {"DAXBOX", fmt::format("[{}:{},{}:{}]", box.x1, box.x2, box.y1, box.y2)},
                       {"DAXVERS", "libdax " DAX_VERSION}};
    return std::optional<fits::cutout_spec>{std::move(spec)};
}

}  // namespace

result<soda_plan> plan_soda_cutout(const image_store& store, const ingest_settings& settings, const soda_cutout& c, double max_bytes) {
    soda_plan p;
    const auto file = store.find(c.id);
    if (!file) {
        p.outcome = soda_outcome::not_found;
        return p;
    }
    p.did = file->did, p.obs_id = file->obs_id, p.path = file->path;
    if (c.band || c.time || !c.pols.empty()) {  // the dataset's ObsCore values decide (its headers)
        auto d = describe_fits(file->path, settings);
        if (!d) return error(error_kind::internal, fmt::format("Error: dataset {} could not be read", c.id));
        if (!matches(c, *d)) {
            p.outcome = soda_outcome::no_pixels;
            return p;
        }
    }
    double bytes = 0;
    auto spec = plan(*file, c.region, max_bytes, &bytes);
    if (!spec) return spec.err();
    if (!*spec) {
        p.outcome = soda_outcome::no_pixels;
        return p;
    }
    p.spec = std::move(**spec);
    p.pixel_bytes = static_cast<std::uint64_t>(bytes);
    return p;
}

result<std::uint64_t> write_soda_plan(const soda_plan& p, dax::sink& out) {
    auto n = capture([&] { return fits::write_cutout(p.path, p.spec, out); });
    if (!n) return error(error_kind::internal, fmt::format("Error: dataset {} could not be read", p.did));
    return *n;
}

result<soda_outcome> write_soda_cutout(const image_store& store, const ingest_settings& settings, const soda_cutout& c,
                                       dax::sink& out, double max_bytes) {
    auto p = plan_soda_cutout(store, settings, c, max_bytes);
    if (!p) return p.err();
    if (p->outcome != soda_outcome::written) return p->outcome;
    if (auto n = write_soda_plan(*p, out); !n) return n.err();
    return soda_outcome::written;
}

result<std::size_t> write_soda_film_strip(const image_store& store, const std::vector<strip_epoch>& epochs, const dali::shape& region,
                                          dax::sink& out, const std::function<bool()>& cancelled, double max_bytes) {
    std::vector<fits::strip_frame> frames;
    double total = 0;  // at most 8 bytes a pixel: the strip is composed in memory, bounded as one cutout
    for (const auto& e : epochs) {
        if (cancelled && cancelled()) return error("the job was aborted");
        const auto file = store.find(e.id);
        if (!file) continue;  // in the table, not in the store: nothing to cut
        auto spec = plan(*file, region, max_bytes);
        if (!spec && spec.err().kind() == error_kind::usage) return spec.err();
        if (!spec || !*spec) continue;  // an unreadable file or no pixel: not a frame
        std::string name = file->obs_id.substr(0, 60);
        for (char& ch : name)
            if (ch == '\'' || static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '_';
        (*spec)->cards = fits::card("EXTNAME", name) + fits::card("OBSID", name);
        if (e.mjd && std::isfinite(*e.mjd)) (*spec)->cards += fits::card("MJD-OBS", *e.mjd, "start of the exposure (ObsCore t_min)");
        double px = 8;
        for (std::size_t a = 0; a < (*spec)->first.size(); ++a) px *= static_cast<double>((*spec)->last[a] - (*spec)->first[a] + 1);
        if ((total += px) > max_bytes)
            return error(error_kind::usage, fmt::format("UsageFault: the film strip would hold more than {:.0f} MB: ask for a smaller "
                                                        "region or fewer epochs (COLLECTION, BAND, TIME)", max_bytes / 1e6));
        frames.push_back({file->path, std::move(**spec)});
    }
    if (frames.empty()) return std::size_t{0};
    auto n = capture([&] { return fits::write_film_strip(frames, out, cancelled); });
    if (!n) return error(error_kind::internal, fmt::format("Error: film strip: {}", n.err().what()));
    return frames.size();
}

}  // namespace dax::image
