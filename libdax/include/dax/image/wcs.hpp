#pragma once
/// The celestial WCS of an image, through WCSLIB: pixel <-> sky, the true footprint of the pixel
/// grid, its centre and pixel scale. What ObsCore ingestion, SIA and SODA cutouts need.
#include <dax/error.hpp>
#include <dax/geometry/sphere.hpp>

#include <array>
#include <memory>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dax::image {

/// What a pixel axis beyond the two celestial ones measures (WCSLIB's axis types).
enum class axis_kind { spectral, time, polarization, other };

class sky_wcs {
public:
    /// The celestial WCS of an image HDU from all its header cards (80 characters each), read by
    /// WCSLIB's wcspih: every projection (TAN, SIN, CAR, ZEA, ...), SIP, TPV and the other
    /// distortion conventions. `shape` is NAXIS1, NAXIS2, ...; the WCS must have a longitude
    /// and a latitude axis, on the first two pixel axes.
    static result<sky_wcs> from_header(std::string_view cards, std::span<const long> shape);

    sky_wcs(sky_wcs&&) noexcept;
    sky_wcs& operator=(sky_wcs&&) noexcept;
    ~sky_wcs();

    /// Pixel (1-based FITS coordinates on the two celestial axes) to sky (degrees); nothing where
    /// the projection is undefined. Other pixel axes are taken at 1.
    std::optional<geometry::lonlat> to_sky(double x, double y) const;
    /// Sky to pixel (1-based FITS coordinates), nothing where the point does not project.
    std::optional<std::array<double, 2>> to_pixel(geometry::lonlat p) const;
    /// Many points at once (one WCSLIB call: several times faster than one by one); a point
    /// that does not project gives NaN.
    std::vector<std::array<double, 2>> to_pixels(std::span<const geometry::lonlat> points) const;

    /// The outline of the pixel grid (the outer pixel edges, 0.5 and N + 0.5), counter-clockwise
    /// on the sky, starting at the corner of pixel (1, 1). Each edge is sampled densely; a sample
    /// becomes a vertex only where the edge leaves the great circle through its neighbours by
    /// more than `tolerance_px` pixels, so a plain TAN image has its four corners and a SIP or
    /// non-TAN edge as many vertices as its curve needs.
    std::vector<geometry::lonlat> footprint(double tolerance_px = 0.1) const;
    /// The sky position of the centre of the pixel grid.
    geometry::lonlat centre() const;
    /// The side of a pixel at the reference pixel (square root of its area), in degrees.
    double pixel_scale() const;
    /// The kind of pixel axis `axis` (0-based; 0 and 1 are celestial).
    axis_kind kind(std::size_t axis) const;
    /// Along pixel axis `axis` (0-based, >= 2) of `n` pixels, with the celestial axes at the image
    /// centre and other axes at pixel 1: for a spectral or time axis the world value at every
    /// pixel edge 0.5, 1.5, ..., n + 0.5 (n + 1 values), spectral as vacuum wavelength in metres
    /// (FREQ, VRAD, AWAV, ... translated by WCSLIB), time as MJD (FITS WCS paper VII: MJD and JD
    /// axes, or TIME/UTC/TT/... with MJDREF or DATEREF, in s, min, h, d or a); for a Stokes axis
    /// the code at every pixel centre (n values: 1..4 = I Q U V, -1..-8 = RR LL RL LR XX YY XY YX,
    /// paper I table 7). Nothing when the axis cannot be converted (no time reference, ...).
    std::optional<std::vector<double>> axis_values(std::size_t axis, long n) const;
    long width() const { return nx_; }
    long height() const { return ny_; }

private:
    struct impl;
    explicit sky_wcs(std::unique_ptr<impl> p, long nx, long ny);
    std::unique_ptr<impl> impl_;
    long nx_ = 0, ny_ = 0;
};

}  // namespace dax::image
