// The extension module dax._dax; the package dax (dax/__init__.py) re-exports its submodules.
#include "bindings.hpp"

PYBIND11_MODULE(_dax, m) {
    m.doc() = "libdax: ADQL translation, VOTable I/O and FITS cutouts for Python pipelines.";
    auto adql = m.def_submodule("adql", "ADQL 2.1 to SQL for SQLite, PostgreSQL+pgSphere, MySQL and Qserv.");
    dax::python::bind_adql(adql);
    auto votable = m.def_submodule("votable", "VOTable (and CSV, FITS) tables as numpy columns.");
    dax::python::bind_votable(votable);
    auto image = m.def_submodule("image", "Cutouts and footprints of FITS images.");
    dax::python::bind_image(image);
    auto phot = m.def_submodule("phot", "Forced aperture photometry at sky positions.");
    dax::python::bind_phot(phot);
}
