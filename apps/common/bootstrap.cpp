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
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
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
        const bool known = a == "--host" || a == "--port" || a == "--data-dir" || a == "--config" || a == "--role";
        if (!known || i + 1 >= argc) {
            std::cerr << usage;
            exit_code = 2;
            return std::nullopt;
        }
        const std::string v = argv[++i];
        if (a == "--host") c.host = v;
        else if (a == "--port") c.port = std::atoi(v.c_str());
        else if (a == "--data-dir") c.data_dir = v;
        else if (a == "--role") c.role = v;
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

int stop_pipe[2] = {-1, -1};
std::atomic<int> signals_seen{0};

// Async-signal-safe: the first signal wakes the stopper thread, a second one ends at once.
extern "C" void on_stop_signal(int sig) {
    if (signals_seen.fetch_add(1) > 0) _exit(128 + sig);
    const unsigned char s = static_cast<unsigned char>(sig);
    (void)!::write(stop_pipe[1], &s, 1);
}

}  // namespace

// From now on the first SIGINT/SIGTERM runs `on_stop` on a thread of its own; the process ends
// `grace` later if it has not by then.
void handle_stop_signals(std::function<void()> on_stop, std::chrono::seconds grace) {
    if (::pipe(stop_pipe) != 0) throw std::runtime_error("cannot create the stop pipe");
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::thread([on_stop = std::move(on_stop), grace] {
        unsigned char sig = 0;
        while (::read(stop_pipe[0], &sig, 1) != 1) {
        }
        std::cerr << "stopping: no new connections or jobs; requests and jobs in progress have " << grace.count()
                  << " s to finish (a second signal ends now)" << std::endl;
        on_stop();
        // Requests finish, then jobs drain, each within the grace period.
        std::this_thread::sleep_for(2 * grace + std::chrono::seconds(5));
        std::cerr << "stopping: still busy after " << (2 * grace + std::chrono::seconds(5)).count() << " s; ending now" << std::endl;
        _exit(128 + sig);
    }).detach();
}

bool serve(server& s, const std::string& host, int port, std::chrono::seconds grace, std::function<void()> stopping) {
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
    // while the server is destroyed (and the jobs of a worker drain), within the grace period.
    handle_stop_signals([&s, stopping = std::move(stopping)] {
        if (stopping) stopping();
        // stop() does nothing before listening has begun: repeat until the server is down.
        for (int i = 0; i < 500 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        s.stop();
    }, grace);
    return s.listen_after_bind();
}

void wait_for_stop(std::chrono::seconds grace) {
    auto stopped = std::make_shared<std::promise<void>>();
    auto done = stopped->get_future();
    handle_stop_signals([stopped] { stopped->set_value(); }, grace);
    done.wait();
}

}  // namespace dax::http
