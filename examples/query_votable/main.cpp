// Embedding libdax: run an ADQL query on the demo tables (an SQLite database created in a
// directory on first use) and write the result as a VOTable to standard output.
//   query_votable DATA_DIR ['ADQL']
#include <dax/tap/demo_data.hpp>
#include <dax/tap/service.hpp>
#include <dax/votable/writer.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: query_votable DATA_DIR ['ADQL']\n";
        return 2;
    }
    dax::tap::service_config config;
    config.data_dir = argv[1];
    for (auto& felis : dax::tap::demo_schemas()) config.schemas.push_back({felis, "sqlite"});
    auto service = dax::tap::service::open(config);
    if (!service) {
        std::cerr << service.err().what() << '\n';
        return 1;
    }
    auto& svc = **service;
    if (!svc.has_data("demo.stars")) {
        auto loaded = svc.load_csv("demo.stars", dax::tap::demo_stars_csv());
        if (!loaded) {
            std::cerr << loaded.err().what() << '\n';
            return 1;
        }
    }

    dax::tap::query_request request;
    request.adql = argc > 2 ? argv[2] : "SELECT TOP 5 id, ra, dec, mag_g FROM demo.stars ORDER BY mag_g";
    request.format = dax::tap::find_output_format("votable/td");
    request.maxrec = 1000;
    auto query = svc.prepare_query(request);
    if (!query) {
        std::cerr << query.err().what() << '\n';  // "line L, column C: ..."
        return 1;
    }
    dax::ostream_sink out(std::cout);
    try {
        const auto rows = svc.run(*query, out, {});
        std::cerr << rows << " rows\n";
    } catch (const dax::error& e) {  // the document written so far ends with QUERY_STATUS=ERROR
        std::cerr << e.what() << '\n';
        return 1;
    }
    return 0;
}
