#pragma once
// The Python module dax (pybind11): one file per topic fills one submodule.
#include <pybind11/pybind11.h>

namespace dax::python {

void bind_adql(pybind11::module_& m);     // adql.cpp: translate, Catalog, AdqlError
void bind_votable(pybind11::module_& m);  // votable.cpp: read, write
void bind_image(pybind11::module_& m);    // image.cpp: cutout, footprint
void bind_phot(pybind11::module_& m);     // phot.cpp: forced photometry

}  // namespace dax::python
