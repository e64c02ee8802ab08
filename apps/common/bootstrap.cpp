#include "bootstrap.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif
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

namespace {
constexpr long drain_grace_seconds = 20;

sigset_t stop_signals() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    return s;
}
}  // namespace

void prepare_process() {
#ifdef __GLIBC__
    mallopt(M_ARENA_MAX, 4);
#endif
    // Threads started later inherit the mask: the signals reach only serve()'s sigwait.
    const sigset_t s = stop_signals();
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

bool serve(server& s, const std::string& host, int port) {
    // Small responses leave at once (Nagle + delayed ACK would add 40 ms to each); accepted
    // sockets inherit TCP_NODELAY from the listening socket on Linux.
    s.set_socket_options([](socket_t sock) {
        httplib::default_socket_options(sock);
        int one = 1;
        ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    });
    if (!s.bind_to_port(host.c_str(), port)) return false;
    // A thread waits for SIGINT/SIGTERM (blocked by prepare_process) and stops the server; the
    // requests in progress then have drain_grace_seconds to end, and a second signal ends at once.
    std::thread([&s] {
        const sigset_t set = stop_signals();
        int sig = 0;
        if (sigwait(&set, &sig) != 0) return;
        std::cerr << "stopping: no new connections; requests in progress finish (a second signal ends now)" << std::endl;
        s.stop();
        const timespec grace{drain_grace_seconds, 0};
        sigtimedwait(&set, nullptr, &grace);
        std::_Exit(0);
    }).detach();
    const bool ok = s.listen_after_bind();
    return ok;
}

}  // namespace dax::http
