// dax.image: the SODA cutout engine on a FITS file outside any store, and an image's footprint.
#include "bindings.hpp"

#include <dax/dali/shapes.hpp>
#include <dax/geometry/sphere.hpp>
#include <dax/image/obscore.hpp>
#include <dax/image/soda.hpp>
#include <dax/sink.hpp>

#include <pybind11/stl.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace dax::python {
namespace {

std::string path_of(const py::object& p) {
    if (py::isinstance<py::str>(p)) return p.cast<std::string>();
    if (py::hasattr(p, "__fspath__")) return p.attr("__fspath__")().cast<std::string>();
    throw py::type_error("a path (str or os.PathLike)");
}

std::string numbers(const std::vector<double>& v) {
    std::string s;
    for (double x : v) s += (s.empty() ? "" : " ") + geometry::format_number(x);
    return s;
}

// One region from circle=(ra, dec, r), polygon=[(ra, dec), ...] or flat, or pos="CIRCLE ..." text.
dali::shape region_of(const py::object& circle, const py::object& polygon, const py::object& pos) {
    const int given = !circle.is_none() + !polygon.is_none() + !pos.is_none();
    if (given != 1) throw py::value_error("give one of circle=, polygon= or pos=");
    result<dali::shape> s = error("");
    if (!circle.is_none()) {
        s = dali::parse_circle(numbers(circle.cast<std::vector<double>>()));
    } else if (!polygon.is_none()) {
        std::vector<double> flat;
        for (const auto& v : polygon) {
            if (py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v)) flat.push_back(v.cast<double>());
            else for (double x : v.cast<std::vector<double>>()) flat.push_back(x);
        }
        s = dali::parse_polygon(numbers(flat));
    } else {
        s = dali::parse_pos(pos.cast<std::string>());
    }
    if (!s) throw py::value_error(s.err().what());
    return std::move(*s);
}

}  // namespace

void bind_image(py::module_& m) {
    m.def(
        "cutout",
        [](const py::object& path, const py::object& circle, const py::object& polygon, const py::object& pos, const py::object& out, int hdu)
            -> py::object {
            image::soda_cutout c;
            c.region = region_of(circle, polygon, pos);
            const std::string in = path_of(path);
            c.id = in;
            std::optional<result<image::soda_plan>> plan;
            {
                py::gil_scoped_release unlocked;
                plan.emplace(image::plan_file_cutout(in, hdu, c));
            }
            if (!*plan) throw py::value_error(plan->err().what());
            if ((*plan)->outcome != image::soda_outcome::written) return py::none();  // the region misses the image
            if (out.is_none()) {
                dax::string_sink s;
                std::optional<result<std::uint64_t>> n;
                {
                    py::gil_scoped_release unlocked;
                    n.emplace(image::write_soda_plan(**plan, s));
                }
                if (!*n) throw py::value_error(n->err().what());
                return py::bytes(s.out);
            }
            const std::string target = path_of(out);
            const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) throw py::value_error("cannot write " + target + ": " + std::strerror(errno));
            std::optional<result<std::uint64_t>> n;
            {
                py::gil_scoped_release unlocked;
                dax::fd_sink s(fd);
                n.emplace(image::write_soda_plan(**plan, s));
                s.flush();
            }
            ::close(fd);
            if (!*n) throw py::value_error(n->err().what());
            return py::int_(**n);
        },
        py::arg("path"), py::kw_only(), py::arg("circle") = py::none(), py::arg("polygon") = py::none(), py::arg("pos") = py::none(),
        py::arg("out") = py::none(), py::arg("hdu") = -1,
        R"(The SODA cutout of a FITS image (ICRS degrees): circle=(ra, dec, radius),
polygon=[(ra, dec), ...] (or flat), or pos="CIRCLE ra dec r" / "RANGE ra1 ra2 dec1 dec2" /
"POLYGON ...". Every HDU on the science image's grid (mask, variance) is cut with it; WCS and
provenance cards follow. hdu: the science HDU (-1: the first image with a celestial WCS).
Returns the FITS bytes, or with out= writes that file and returns its size; None when the region
misses the image.)");
    m.def(
        "footprint",
        [](const py::object& path) {
            const std::string in = path_of(path);
            std::optional<result<image::dataset>> d;
            {
                py::gil_scoped_release unlocked;
                d.emplace(image::describe_fits(in, image::ingest_settings{}));
            }
            if (!*d) throw py::value_error(d->err().what());
            std::vector<std::pair<double, double>> out;
            for (const auto& p : (*d)->region) out.emplace_back(p.lon, p.lat);
            return out;
        },
        py::arg("path"),
        "The image's footprint on the sky: its outline as (ra, dec) vertices in degrees, counter-clockwise "
        "(the WCS's true edges, SIP included, as ingestion computes s_region).");
}

}  // namespace dax::python
