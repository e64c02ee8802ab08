// dax.phot: forced aperture photometry of sky positions on FITS images.
#include "bindings.hpp"

#include <dax/phot/forced.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace dax::python {

void bind_phot(py::module_& m) {
    m.attr("NEAR_EDGE") = static_cast<int>(phot::near_edge);
    m.attr("MASKED") = static_cast<int>(phot::masked);
    m.attr("SATURATED") = static_cast<int>(phot::saturated);
    m.attr("NO_BACKGROUND") = static_cast<int>(phot::no_background);
    m.def(
        "_forced",
        [](const std::vector<std::string>& images, const std::vector<std::string>& ids, const std::vector<double>& ra,
           const std::vector<double>& dec, double radius, double inner, double outer, double clip_sigma, int hdu) {
            if (ids.size() != ra.size() || ra.size() != dec.size()) throw py::value_error("ids, ra and dec differ in length");
            std::vector<phot::position> pos(ra.size());
            for (std::size_t i = 0; i < ra.size(); ++i) pos[i] = {ids[i], ra[i], dec[i]};
            phot::settings s;
            s.radius_arcsec = radius, s.annulus_inner_arcsec = inner, s.annulus_outer_arcsec = outer, s.clip_sigma = clip_sigma, s.hdu = hdu;
            // Columns: image index, position index, x, y, flux, flux_err, background, area, flags.
            std::vector<std::int64_t> image_of, index;
            std::vector<double> x, y, flux, err, bg, area;
            std::vector<std::int32_t> flags;
            std::string failure;
            {
                py::gil_scoped_release unlocked;
                for (std::size_t k = 0; k < images.size() && failure.empty(); ++k) {
                    auto r = phot::forced(images[k], pos, s);
                    if (!r) {
                        failure = r.err().what();
                        break;
                    }
                    for (const auto& m : *r) {
                        image_of.push_back(static_cast<std::int64_t>(k));
                        index.push_back(static_cast<std::int64_t>(m.index));
                        x.push_back(m.x), y.push_back(m.y), flux.push_back(m.flux), err.push_back(m.flux_err);
                        bg.push_back(m.background), area.push_back(m.area), flags.push_back(static_cast<std::int32_t>(m.flags));
                    }
                }
            }
            if (!failure.empty()) throw py::value_error(failure);
            auto arr = [](auto& v) { return py::array(static_cast<py::ssize_t>(v.size()), v.data()); };
            return py::make_tuple(arr(image_of), arr(index), arr(x), arr(y), arr(flux), arr(err), arr(bg), arr(area), arr(flags));
        },
        py::arg("images"), py::arg("ids"), py::arg("ra"), py::arg("dec"), py::arg("radius"), py::arg("inner"), py::arg("outer"),
        py::arg("clip_sigma"), py::arg("hdu"), "See dax.phot.forced.");
}

}  // namespace dax::python
