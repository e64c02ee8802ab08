// The links of an image dataset (DataLink 1.1 sections 3 and 4; SODA 1.0 section 3 for the
// cutout descriptor's parameters).
#include <dax/image/links.hpp>

#include <dax/ascii.hpp>
#include <dax/fits/image.hpp>
#include <dax/geometry/sphere.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <cmath>

namespace dax::image {

namespace {

namespace g = dax::geometry;

bool malformed(const std::string& id) {
    return id.empty() || id.size() > 2048 || std::any_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string num(double v) { return fmt::format("{:.10g}", v); }

// SODA 1.0's cutout parameters (section 3) as descriptor inputs, without ranges: the one list
// both the per-dataset and the result-table descriptors use.
std::vector<votable::service_param> soda_inputs() {
    std::vector<votable::service_param> out;
    auto param = [&](const char* name, const char* datatype, const char* arraysize, const char* xtype, const char* unit, const char* ucd,
                     const char* text) {
        votable::service_param p;
        p.name = name, p.datatype = datatype, p.arraysize = arraysize, p.xtype = xtype, p.unit = unit, p.ucd = ucd, p.description = text;
        out.push_back(p);
    };
    param("CIRCLE", "double", "3", "circle", "deg", "phys.angArea;obs", "The cutout's circle: RA Dec radius, in degrees");
    param("POLYGON", "double", "*", "polygon", "deg", "pos.outline;obs", "The cutout's polygon: RA Dec of each vertex, in degrees");
    param("POS", "char", "*", "", "", "pos.outline;obs", "CIRCLE ra dec r, RANGE ra1 ra2 dec1 dec2 or POLYGON ra dec ... (SODA 1.0 POS)");
    param("BAND", "double", "2", "interval", "m", "em.wl;stat.interval",
          "Vacuum wavelength interval (metres): on a spectral axis its channels; else whether the dataset matches");
    param("TIME", "double", "2", "interval", "d", "time.interval;obs.exposure", "MJD interval");
    param("POL", "char", "*", "", "", "meta.code;phys.polarization", "Polarization states to keep");
    return out;
}

// The radius (degrees) of the circle around the dataset's centre that holds its footprint.
double covering_radius(const dataset& d) {
    double radius = 0;
    for (const auto& v : d.region) radius = std::max(radius, g::distance_deg(d.ra, d.dec, v.lon, v.lat));
    return radius;
}

// The SODA descriptor of one dataset, with its own ranges (DataLink 1.1 section 4.4: MIN/MAX
// make useful ranges known to clients): the covering circle, the footprint, band, time, states.
datalink::service_descriptor cutout_descriptor(const std::string& xml_id, const std::string& soda, const dataset& d, const std::string& did) {
    datalink::service_descriptor s;
    s.xml_id = xml_id;
    s.name = xml_id;  // unique in the document (VOTable names should be)
    s.description = "SODA 1.0 cutouts of " + d.obs_id + ": give one of CIRCLE, POLYGON or POS (ICRS degrees)";
    s.standard_id = "ivo://ivoa.net/std/SODA#sync-1.0";
    s.access_url = soda;
    s.content_type = "application/fits";
    datalink::service_param id;
    id.name = "ID";
    id.ucd = "meta.id;meta.dataset";
    id.value = did;
    s.inputs.push_back(id);
    for (auto p : soda_inputs()) {
        if (p.name == "CIRCLE" && !d.region.empty()) p.max = fmt::format("{} {} {}", num(d.ra), num(d.dec), num(covering_radius(d)));
        if (p.name == "POLYGON" && !d.region.empty()) {
            std::string fp;
            for (const auto& v : d.region) fp += (fp.empty() ? "" : " ") + num(v.lon) + " " + num(v.lat);
            p.max = fp;
        }
        if (p.name == "BAND" && d.em_min && d.em_max) p.min = num(*d.em_min), p.max = num(*d.em_max);
        if (p.name == "TIME" && d.t_min && d.t_max) p.min = num(*d.t_min), p.max = num(*d.t_max);
        if (p.name == "POL")
            for (std::size_t a = 1, b; a < d.pol_states.size() && (b = d.pol_states.find('/', a)) != std::string::npos; a = b + 1)
                p.options.push_back(d.pol_states.substr(a, b - a));
        s.inputs.push_back(std::move(p));
    }
    return s;
}

}  // namespace

void dataset_links(const image_store& store, const ingest_settings& settings, const std::string& id, const link_targets& targets,
                   int serial, std::vector<datalink::link>& rows, std::vector<datalink::service_descriptor>& descriptors) {
    auto error_row = [&](std::string message) {
        datalink::link l;
        l.id = id;
        l.semantics = "#this";
        l.error_message = std::move(message);
        rows.push_back(std::move(l));
    };
    if (malformed(id)) return error_row("UsageFault: an ID is a non-empty text of at most 2,048 bytes without control characters");
    const auto file = store.find(id);
    if (!file) return error_row("NotFoundFault: no dataset with ID " + id);
    // A virtual product whose file is not made yet: described from the store alone (the file is
    // made when #this, the preview or a cutout is asked for).
    std::error_code ec;
    const bool virtual_absent = !file->recipe.empty() && !std::filesystem::exists(file->path, ec);
    auto d = virtual_absent ? result<dataset>(dataset{}) : describe_fits(file->path, settings);
    if (!d) return error_row("Error: dataset " + file->did + " could not be read");  // never a server path
    if (virtual_absent) d->did = file->did, d->obs_id = file->obs_id, d->bytes = file->bytes;
    datalink::link self;
    self.id = id;
    self.semantics = "#this";
    self.description = "The dataset's FITS file" + (d->title.empty() ? std::string() : " (" + d->title + ")") +
                       (file->recipe.empty() ? "" : ", a virtual product: made on request (503 with Retry-After until it is)");
    self.content_type = "application/fits";
    self.content_length = static_cast<std::int64_t>(file->bytes ? file->bytes : d->bytes);
    self.content_qualifier = d->dataproduct_type;
    self.local_semantics = "file";
    if (targets.file_url && !(self.access_url = targets.file_url(*file)).empty()) rows.push_back(self);
    if (!targets.soda_sync.empty()) {
        datalink::link cut;
        cut.id = id;
        cut.semantics = "#cutout";
        cut.service_def = fmt::format("soda-{}", serial);
        cut.description = "A cutout of the dataset (SODA 1.0 sync): a circle, polygon or range in ICRS";
        cut.content_type = "application/fits";
        cut.content_qualifier = d->dataproduct_type;
        cut.local_semantics = "cutout";
        rows.push_back(cut);
        descriptors.push_back(cutout_descriptor(cut.service_def, targets.soda_sync, *d, file->did));
    }
    if (targets.preview_url) {
        datalink::link pv;
        pv.id = id;
        pv.semantics = "#preview";
        pv.description = "A PNG preview of the image (asinh stretch, at most 512 pixels a side)";
        pv.content_type = "image/png";
        pv.local_semantics = "preview";
        if (!(pv.access_url = targets.preview_url(*file)).empty()) rows.push_back(pv);
    }
    // The other image HDUs of a multi-extension file on the science grid (mask, variance).
    if (targets.file_url && !self.access_url.empty() && !virtual_absent)
        if (auto hdus = fits::read_headers(file->path)) {
            const auto& sci = (*hdus)[static_cast<std::size_t>(std::min<int>(d->hdu, static_cast<int>(hdus->size()) - 1))];
            for (const auto& h : *hdus) {
                if (h.index == d->hdu || !h.image || h.shape != sci.shape) continue;
                datalink::link aux = self;
                const std::string name = h.extname.empty() ? fmt::format("HDU {}", h.index) : h.extname;
                aux.semantics = "#auxiliary";
                aux.description = fmt::format("The {} extension (HDU {}) of the dataset's file, on the science image's pixel grid", name, h.index);
                aux.access_url = self.access_url + "#" + uri_escaped(name);  // a fragment naming the extension (section 3.2.2)
                aux.local_semantics = "hdu-" + ascii_lower(name);
                rows.push_back(aux);
            }
        }
    if (!targets.tap_sync.empty() && !virtual_absent) {
        const double radius = covering_radius(*d);
        const std::string adql = fmt::format("SELECT * FROM {} WHERE 1 = CONTAINS(POINT('ICRS', {}, {}), CIRCLE('ICRS', {}, {}, {}))",
                                             targets.catalog_table, targets.ra_column, targets.dec_column, num(d->ra), num(d->dec), num(radius));
        datalink::link cp;
        cp.id = id;
        // #counterpart is not in the DataLink core vocabulary that STILTS 3.4.7 knows offline:
        // #auxiliary, with local_semantics saying what it is.
        cp.semantics = "#auxiliary";
        cp.description = "The " + targets.catalog_table + " sources within the image's covering circle (TAP query)";
        cp.access_url = targets.tap_sync + "?LANG=ADQL&REQUEST=doQuery&QUERY=" + uri_escaped(adql);
        cp.content_type = "application/x-votable+xml";
        cp.local_semantics = "counterpart";
        rows.push_back(cp);
    }
}

std::vector<datalink::descriptor_template> image_descriptors(const std::string& links_url, const std::string& soda_url) {
    std::vector<datalink::descriptor_template> out;
    votable::service_param id;
    id.name = "ID";
    id.ucd = "meta.id;meta.main";
    id.ref = "$column";
    if (!links_url.empty()) {
        votable::service_resource l;
        l.xml_id = "links";
        l.name = "links";
        l.description = "DataLink 1.1 links of each dataset: its file, cutouts, auxiliary data";
        l.standard_id = datalink::standard_id;
        l.access_url = links_url;
        l.content_type = datalink::media_type;
        l.inputs = {id};
        out.push_back({"obs_publisher_did", l});
    }
    if (!soda_url.empty()) {
        votable::service_resource c;
        c.xml_id = "soda";
        c.name = "cutout";
        c.description = "SODA 1.0 cutouts of each dataset: give one of CIRCLE, POLYGON or POS (ICRS degrees)";
        c.standard_id = "ivo://ivoa.net/std/SODA#sync-1.0";
        c.access_url = soda_url;
        c.content_type = "application/fits";
        c.inputs = {id};
        for (auto& p : soda_inputs()) c.inputs.push_back(std::move(p));
        out.push_back({"obs_publisher_did", c});
    }
    return out;
}

}  // namespace dax::image
