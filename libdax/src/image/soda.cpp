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

namespace {

result<soda_params> read_soda(const dali::parameters& p, bool complete) {
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
    if (auto f = dali::value(p, "RESPONSEFORMAT"); f && !f->empty() && !dali::iequals(dali::trim(*f), "application/fits"))
        return usage(fmt::format("RESPONSEFORMAT {}: only application/fits", *f));
    if (!complete) return r;
    if (!r.ids.empty() && !r.collections.empty())
        return usage("COLLECTION selects the datasets of a film strip (a request with no ID)");
    if (r.ids.empty() && r.regions.size() != 1)
        return usage("ID is required (a film strip, with no ID, takes one CIRCLE, POLYGON or POS)");
    return r;
}

}  // namespace

result<soda_params> parse_soda(const dali::parameters& p) { return read_soda(p, true); }

std::optional<error> check_soda_values(const dali::parameters& p) {
    auto r = read_soda(p, false);
    if (!r) return r.err();
    return std::nullopt;
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

const char* const stokes_names[] = {"YX", "XY", "YY", "XX", "LR", "RL", "LL", "RR", "", "I", "Q", "U", "V"};  // codes -8..4

// The pixels [first, last] (1-based) whose world span [edges[i-1], edges[i]] meets `want`;
// first > last when none does.
std::pair<long, long> select_span(const std::vector<double>& edges, const dali::interval& want) {
    long first = static_cast<long>(edges.size()), last = 0;
    for (std::size_t i = 1; i < edges.size(); ++i) {
        const double lo = std::min(edges[i - 1], edges[i]), hi = std::max(edges[i - 1], edges[i]);
        if (lo <= want.hi && hi >= want.lo) {
            first = std::min(first, static_cast<long>(i));
            last = static_cast<long>(i);
        }
    }
    return {first, last};
}

// The cutout of one stored file, planned from its headers: the box of the region (none: the
// whole image) on the celestial axes, and on the image's spectral, time and Stokes axes the
// pixels BAND, TIME and POL select (SODA 1.0 section 3.3: a POL range is the smallest run of
// planes holding every requested state). `spec` is empty when nothing is selected; `band`,
// `time`, `pol` say which of them an axis decided (the others apply to the dataset as a whole).
struct planned {
    std::optional<fits::cutout_spec> spec;
    double bytes = 0;
    bool band = false, time = false, pol = false;
};

result<planned> plan(const stored_file& file, const soda_cutout& c) {
    // The reason may name server paths: clients are told which dataset, not where it lives.
    auto failed = [&](const std::string&) { return error(error_kind::internal, fmt::format("Error: dataset {} could not be read", file.did)); };
    auto headers = fits::read_headers(file.path);
    if (!headers) return failed(headers.err().what());
    if (file.hdu >= static_cast<int>(headers->size())) return failed("its science HDU is gone");
    const auto& sci = (*headers)[static_cast<std::size_t>(file.hdu)];
    auto wcs = sky_wcs::from_header(sci.header, sci.shape);
    if (!wcs) return failed(wcs.err().what());
    planned r;
    pixel_box box{1, wcs->width(), 1, wcs->height()};
    if (c.region) {
        auto b = cutout_box(*wcs, *c.region);
        if (!b) return r;
        box = *b;
    }
    fits::cutout_spec spec;
    spec.science_hdu = file.hdu;
    spec.first.assign(sci.shape.size(), 1);
    spec.last = sci.shape;
    spec.first[0] = box.x1, spec.last[0] = box.x2, spec.first[1] = box.y1, spec.last[1] = box.y2;
    for (std::size_t a = 2; a < sci.shape.size(); ++a) {
        const auto kind = wcs->kind(a);
        std::pair<long, long> span{1, sci.shape[a]};
        if (kind == axis_kind::spectral && c.band && !r.band) {
            auto edges = wcs->axis_values(a, sci.shape[a]);
            if (!edges) continue;  // not convertible: the dataset's values decide
            span = select_span(*edges, *c.band);
            r.band = true;
        } else if (kind == axis_kind::time && c.time && !r.time) {
            auto edges = wcs->axis_values(a, sci.shape[a]);
            if (!edges) continue;
            span = select_span(*edges, *c.time);
            r.time = true;
        } else if (kind == axis_kind::polarization && !c.pols.empty() && !r.pol) {
            auto codes = wcs->axis_values(a, sci.shape[a]);
            if (!codes) continue;
            span = {sci.shape[a] + 1, 0};
            for (std::size_t i = 0; i < codes->size(); ++i) {
                const double code = (*codes)[i];
                if (!(code >= -8 && code <= 4)) continue;
                const std::string_view name = stokes_names[static_cast<int>(code) + 8];
                if (std::any_of(c.pols.begin(), c.pols.end(), [&](const std::string& p) { return dali::iequals(p, name); }))
                    span = {std::min(span.first, static_cast<long>(i) + 1), static_cast<long>(i) + 1};
            }
            r.pol = true;
        } else {
            continue;
        }
        if (span.first > span.second) return r;  // nothing along this axis
        spec.first[a] = span.first, spec.last[a] = span.second;
    }
    r.bytes = std::abs(sci.bitpix) / 8.0;
    std::string extent;
    for (std::size_t a = 0; a < spec.first.size(); ++a) {
        r.bytes *= static_cast<double>(spec.last[a] - spec.first[a] + 1);
        extent += fmt::format("{}{}:{}", a ? "," : "[", spec.first[a], spec.last[a]);
    }
    spec.provenance = {{"DAXSRCID", file.did},
                       {"DAXREGN", c.region ? region_text(*c.region) : "whole image"},
                       {"DAXBOX", extent + "]"},
                       {"DAXVERS", "libdax " DAX_VERSION}};
    r.spec = std::move(spec);
    return r;
}

// A service limit on what one request sends (the cutout is streamed: memory is not the bound).
std::optional<error> too_big(const std::string& did, double bytes, double max_bytes) {
    if (bytes <= max_bytes) return std::nullopt;
    return error(error_kind::usage, fmt::format("UsageFault: the cutout of {} would hold {:.0f} MB per HDU, more than this service "
                                                "sends ({:.0f} MB): ask for a smaller region", did, bytes / 1e6, max_bytes / 1e6));
}

}  // namespace

namespace {

result<soda_plan> plan_stored(const std::optional<stored_file>& file, const ingest_settings& settings, const soda_cutout& c, double max_bytes) {
    soda_plan p;
    if (!file) {
        p.outcome = soda_outcome::not_found;
        return p;
    }
    p.did = file->did, p.obs_id = file->obs_id, p.path = file->path;
    auto r = plan(*file, c);
    if (!r) return r.err();
    if (!r->spec) {
        p.outcome = soda_outcome::no_pixels;
        return p;
    }
    // BAND, TIME and POL that no axis of the image decided: the dataset's ObsCore values do.
    soda_cutout rest = c;
    if (r->band) rest.band.reset();
    if (r->time) rest.time.reset();
    if (r->pol) rest.pols.clear();
    if (rest.band || rest.time || !rest.pols.empty()) {
        auto d = describe_fits(file->path, settings);
        if (!d) return error(error_kind::internal, fmt::format("Error: dataset {} could not be read", c.id));
        if (!matches(rest, *d)) {
            p.outcome = soda_outcome::no_pixels;
            return p;
        }
    }
    if (auto e = too_big(file->did, r->bytes, max_bytes)) return *e;
    p.spec = std::move(*r->spec);
    p.pixel_bytes = static_cast<std::uint64_t>(r->bytes);
    return p;
}

}  // namespace

result<soda_plan> plan_soda_cutout(const image_store& store, const ingest_settings& settings, const soda_cutout& c, double max_bytes) {
    return plan_stored(store.find(c.id), settings, c, max_bytes);
}

result<soda_plan> plan_file_cutout(const std::string& path, int hdu, const soda_cutout& c, double max_bytes) {
    stored_file f;
    f.path = path;
    f.did = c.id.empty() ? path : c.id;
    f.hdu = hdu;
    const ingest_settings settings;
    if (hdu < 0 || c.band || c.time || !c.pols.empty()) {  // the science HDU as ingestion picks it
        auto d = describe_fits(path, settings);
        if (!d) return error(error_kind::usage, fmt::format("{}: {}", path, d.err().what()));
        if (hdu < 0) f.hdu = d->hdu;
        f.obs_id = d->obs_id;
    }
    return plan_stored(f, settings, c, max_bytes);
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
    double total = 0;  // the strip is streamed, but bounded as one cutout: a service limit
    for (const auto& e : epochs) {
        if (cancelled && cancelled()) return error("the job was aborted");
        const auto file = store.find(e.id);
        if (!file) continue;  // in the table, not in the store: nothing to cut
        auto planned = plan(*file, soda_cutout{e.id, region, std::nullopt, std::nullopt, {}});
        if (!planned || !planned->spec) continue;  // an unreadable file or no pixel: not a frame
        if (auto big = too_big(file->did, planned->bytes, max_bytes)) return *big;
        auto& spec = *planned->spec;
        std::string name = file->obs_id.substr(0, 60);
        for (char& ch : name)
            if (ch == '\'' || static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '_';
        spec.cards = fits::card("EXTNAME", name) + fits::card("OBSID", name);
        if (e.mjd && std::isfinite(*e.mjd)) spec.cards += fits::card("MJD-OBS", *e.mjd, "start of the exposure (ObsCore t_min)");
        if ((total += planned->bytes) > max_bytes)
            return error(error_kind::usage, fmt::format("UsageFault: the film strip would hold more than {:.0f} MB: ask for a smaller "
                                                        "region or fewer epochs (COLLECTION, BAND, TIME)", max_bytes / 1e6));
        frames.push_back({file->path, std::move(spec)});
    }
    if (frames.empty()) return std::size_t{0};
    auto n = capture([&] { return fits::write_film_strip(frames, out, cancelled); });
    if (!n) return error(error_kind::internal, fmt::format("Error: film strip: {}", n.err().what()));
    return frames.size();
}

}  // namespace dax::image
