#pragma once
/// Preview images (DataLink #preview): a PNG of a dataset's science image, small enough for a
/// browser, with a stretch that shows faint sources and bright ones at once.
#include <dax/error.hpp>

#include <string>

namespace dax::image {

enum class stretch {
    asinh,   ///< asinh between the 0.5 and 99.5 percentiles (Lupton et al. 2004's curve)
    zscale,  ///< linear between IRAF's zscale limits (a line fitted to the sorted sample)
};

struct preview_options {
    int max_side = 512;  ///< the longer side in pixels at most: the image is sampled every n-th pixel
    enum stretch stretch = stretch::asinh;
};

/// An 8-bit grey PNG of HDU `hdu` of `path` (the first plane of a cube), north up as FITS rows
/// go (row 1 at the bottom); blank and NaN pixels black. Only every n-th row and column is read.
result<std::string> preview_png(const std::string& path, int hdu, const preview_options& options = {});

}  // namespace dax::image
