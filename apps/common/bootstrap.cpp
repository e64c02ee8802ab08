#include "bootstrap.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace dax::http {

std::optional<command_line> parse_command_line(int argc, char** argv, const std::string& usage, int& exit_code) {
    command_line c;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << usage;
            exit_code = 0;
            return std::nullopt;
        }
        const bool known = a == "--host" || a == "--port" || a == "--data-dir" || a == "--config";
        if (!known || i + 1 >= argc) {
            std::cerr << usage;
            exit_code = 2;
            return std::nullopt;
        }
        const std::string v = argv[++i];
        if (a == "--host") c.host = v;
        else if (a == "--port") c.port = std::atoi(v.c_str());
        else if (a == "--data-dir") c.data_dir = v;
        else c.config_file = v;
    }
    return c;
}

void prepare_process() {
#ifdef __GLIBC__
    mallopt(M_ARENA_MAX, 4);
#endif
}

namespace {

constexpr auto drain_grace = std::chrono::seconds(20);
int stop_pipe[2] = {-1, -1};
std::atomic<int> signals_seen{0};

// Async-signal-safe: the first signal wakes the stopper thread, a second one ends at once.
extern "C" void on_stop_signal(int sig) {
    if (signals_seen.fetch_add(1) > 0) _exit(128 + sig);
    const unsigned char s = static_cast<unsigned char>(sig);
    (void)!::write(stop_pipe[1], &s, 1);
}

}  // namespace

bool serve(server& s, const std::string& host, int port) {
    // Small responses leave at once (Nagle + delayed ACK would add 40 ms to each); accepted
    // sockets inherit TCP_NODELAY from the listening socket on Linux.
    s.set_socket_options([](socket_t sock) {
        httplib::default_socket_options(sock);
        int one = 1;
        ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    });
    if (!s.bind_to_port(host.c_str(), port)) return false;
    // Until here SIGINT/SIGTERM end the process as usual (start-up can be interrupted). From
    // now on the first one stops the server: no new connections; requests in progress finish
    // while the server is destroyed, within drain_grace, after which the process ends anyway.
    if (::pipe(stop_pipe) != 0) return false;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::thread([&s] {
        unsigned char sig = 0;
        while (::read(stop_pipe[0], &sig, 1) != 1) {
        }
        std::cerr << "stopping: no new connections; requests in progress finish (a second signal ends now)" << std::endl;
        // stop() does nothing before listening has begun: repeat until the server is down.
        for (int i = 0; i < 500 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        s.stop();
        std::this_thread::sleep_for(drain_grace);
        std::cerr << "stopping: requests still in progress after " << drain_grace.count() << " s; ending now" << std::endl;
        _exit(128 + sig);
    }).detach();
    return s.listen_after_bind();
}

}  // namespace dax::http
