// Embedding libdax: forced aperture photometry of sky positions on a FITS image, as CSV.
//   photometry IMAGE RADIUS_ARCSEC RA DEC [RA DEC ...]      (degrees, ICRS)
#include <dax/phot/forced.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 5 || (argc - 3) % 2) {
        std::cerr << "usage: photometry IMAGE RADIUS_ARCSEC RA DEC [RA DEC ...]\n";
        return 2;
    }
    std::vector<dax::phot::position> positions;
    for (int i = 3; i + 1 < argc; i += 2)
        positions.push_back({std::to_string(positions.size() + 1), std::stod(argv[i]), std::stod(argv[i + 1])});
    dax::phot::settings s;
    s.radius_arcsec = std::stod(argv[2]);
    auto rows = dax::phot::forced(argv[1], positions, s);
    if (!rows) {
        std::cerr << rows.err().what() << '\n';
        return 1;
    }
    std::cout << "id,ra,dec,x,y,flux,flux_err,background,flags\n";
    for (const auto& m : *rows)
        std::printf("%s,%.8f,%.8f,%.3f,%.3f,%.6g,%.6g,%.6g,%u\n", m.id.c_str(), m.ra, m.dec, m.x, m.y, m.flux, m.flux_err,
                    m.background, m.flags);
    return 0;
}
