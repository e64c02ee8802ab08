// Embedding libdax: cut a circle out of a FITS image (every HDU on the science image's grid,
// WCS and provenance cards kept), as soda-server does, and write it to a file.
//   cutout IMAGE RA DEC RADIUS OUT        (degrees, ICRS)
#include <dax/dali/shapes.hpp>
#include <dax/image/soda.hpp>
#include <dax/sink.hpp>

#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: cutout IMAGE RA DEC RADIUS OUT\n";
        return 2;
    }
    auto circle = dax::dali::parse_circle(std::string(argv[2]) + " " + argv[3] + " " + argv[4]);
    if (!circle) {
        std::cerr << circle.err().what() << '\n';
        return 2;
    }
    dax::image::soda_cutout request;
    request.region = *circle;
    auto plan = dax::image::plan_file_cutout(argv[1], -1, request);  // -1: the first image with a celestial WCS
    if (!plan) {
        std::cerr << plan.err().what() << '\n';
        return 1;
    }
    if (plan->outcome != dax::image::soda_outcome::written) {
        std::cerr << "the circle misses the image\n";
        return 1;
    }
    std::ofstream file(argv[5], std::ios::binary);
    dax::ostream_sink out(file);
    auto bytes = dax::image::write_soda_plan(*plan, out);
    if (!bytes) {
        std::cerr << bytes.err().what() << '\n';
        return 1;
    }
    out.flush();
    std::cout << *bytes << " bytes\n";
    return 0;
}
