#pragma once
/// Celestial frames of ADQL's coordinate-system argument and STC-S regions, converted to ICRS
/// (the frame every catalog and translation of libdax works in). The conversions follow the
/// definitions astropy uses, so that a position agrees with astropy's SkyCoord to 1e-9 degrees:
/// FK5 (equinox J2000) through the ICRS frame bias of USNO Circular 179; FK4 (equinox and epoch
/// B1950) by removing the E-terms of aberration and applying Murray's (1989) FK4 -> FK5 matrix;
/// GALACTIC by the J2000 galactic pole and longitude of the node in FK5; ECLIPTIC as the mean
/// ecliptic and equinox of J2000 (IAU 2006, ERFA's eraEceq06; astropy's BarycentricMeanEcliptic).
#include <dax/error.hpp>
#include <dax/geometry/sphere.hpp>

#include <string_view>

namespace dax::geometry {

enum class frame { icrs, fk5, fk4, galactic, ecliptic };

/// The frame of a coordinate-system text: a frame word (ICRS, FK5, J2000, FK4, B1950, GALACTIC,
/// ECLIPTIC, UNKNOWNFRAME = ICRS; case-insensitive) optionally followed by STC-S reference
/// position and flavour words (GEOCENTER, BARYCENTER, ..., SPHERICAL2); "" is ICRS.
result<frame> parse_frame(std::string_view text);

/// A frame's name as ADQL writes it.
const char* frame_name(frame f);

/// Whether a word (case-insensitive) names a frame, a reference position or a flavour of STC-S.
bool is_frame_word(std::string_view word);

/// `p` (degrees in frame `f`) in ICRS degrees (longitude in [0, 360)).
lonlat to_icrs(frame f, lonlat p);

/// Whether converting from `f` keeps circles circles (a rotation): all but FK4, whose E-terms of
/// aberration bend the sky by up to 0.34 arcseconds.
bool is_rotation(frame f);

/// A circle of frame `f` (centre, radius in degrees) as an ICRS circle: the centre converted; the
/// radius kept for a rotation, else (FK4) the largest distance from the new centre to 64
/// converted points of the edge, so the ICRS circle holds the whole converted one (it is wider
/// by less than 1e-6 degrees up to a radius of 10 degrees).
std::pair<lonlat, double> circle_to_icrs(frame f, lonlat centre, double radius);

}  // namespace dax::geometry
