// uws-server: the UWS 1.1 binding with a few demonstration tasks, for trying UWS clients and
// for the test suite. Later servers (tap-server, soda-server) wire the same binding.
//   uws-server [--host 127.0.0.1] [--port 8081] [--data-dir ./dax-data]
#include "../common/uws_http.hpp"

#include <dax/uws/engine.hpp>
#include <dax/votable/writer.hpp>

#include <filesystem>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
    std::string host = "127.0.0.1", dir = "./dax-data";
    int port = 8081;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--host") host = argv[i + 1];
        else if (a == "--port") port = std::stoi(argv[i + 1]);
        else if (a == "--data-dir") dir = argv[i + 1];
        else {
            std::cerr << "usage: uws-server [--host H] [--port P] [--data-dir D]\n";
            return 2;
        }
    }
    std::filesystem::create_directories(dir);
    auto store = dax::uws::open_sqlite_job_store(dir + "/uws-jobs.db");
    auto results = dax::uws::open_directory_result_store(dir + "/uws-results");
    dax::uws::task_registry tasks;
    // "demo": sleeps SECONDS (default 0) then writes a one-column VOTable of ROWS rows.
    tasks.add("demo", {[](dax::uws::task_context& c) {
        const double secs = std::stod(c.current().parameter("SECONDS").value_or("0"));
        const long rows = std::stol(c.current().parameter("ROWS").value_or("10"));
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(secs * 1000));
        while (std::chrono::steady_clock::now() < end) {
            if (c.cancelled()) throw std::runtime_error("cancelled");
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        auto out = c.create_result("result");
        auto w = dax::votable::make_votable_writer(*out, dax::votable::serialization::tabledata);
        std::vector<dax::votable::field> f(1);
        f[0].name = "n";
        f[0].type = dax::votable::datatype::long_;
        w->begin(f);
        for (long i = 0; i < rows; ++i) {
            std::vector<dax::votable::cell> r = {dax::votable::cell::integer(i)};
            w->row(r);
        }
        w->finish();
        c.add_result({"result", "", "application/x-votable+xml", out->commit()});
    }});
    dax::uws::engine engine(*store, *results, tasks);
    engine.start();
    dax::http::server server;
    dax::http::uws_binding b;
    b.base = "/uws/jobs";
    b.task = "demo";
    // Trusted header from a fronting proxy (as the Rubin ingress sets it); anonymous otherwise.
    b.identity = [](const httplib::Request& req) -> std::optional<std::string> {
        return req.get_header_value("X-Auth-Request-User");
    };
    dax::http::add_uws_routes(server, engine, *results, b);
    server.set_error_reply([](httplib::Response& res, int status, const std::string& m) {
        res.status = status;
        res.set_content("ERROR: " + m + "\n", "text/plain");
    });
    std::cout << "UWS service at http://" << host << ":" << port << "/uws/jobs" << std::endl;
    if (!server.listen(host.c_str(), port)) {
        std::cerr << "uws-server: cannot listen on " << host << ":" << port << "\n";
        return 1;
    }
    return 0;
}
