// Table-writer and reader throughput: N rows x 10 columns (long id, 2 double, 5 float, int
// flags, char[16]) streamed to /dev/null. Prints figures; never passes or fails on time.
//   votable_bench write td|b|b2|csv|tsv|fits ROWS     one format to /dev/null (FITS: a temp file)
//   votable_bench read-b2 ROWS                        read a BINARY2 document held in memory
//   votable_bench file td|b2 ROWS PATH                write the table to PATH (for astropy/STILTS)
#include <dax/fits/fits_writer.hpp>
#include <dax/votable/reader.hpp>
#include <dax/votable/writer.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace dax::votable;
using clk = std::chrono::steady_clock;

namespace {

std::vector<field> fields() {
    auto f = [](const char* n, datatype t, const char* a = "") {
        field x;
        x.name = n;
        x.type = t;
        x.arraysize = a;
        return x;
    };
    return {f("id", datatype::long_), f("ra", datatype::double_), f("dec", datatype::double_),
            f("mag_u", datatype::float_), f("mag_g", datatype::float_), f("mag_r", datatype::float_),
            f("mag_i", datatype::float_), f("mag_z", datatype::float_), f("flags", datatype::int_),
            f("name", datatype::char_, "16")};
}

// Counts bytes on their way to a file descriptor.
class counting_sink final : public sink {
public:
    explicit counting_sink(sink& inner) : inner_(inner) {}
    void write(const char* d, std::size_t n) override {
        bytes += n;
        inner_.write(d, n);
    }
    std::uint64_t bytes = 0;

private:
    sink& inner_;
};

void fill(std::int64_t k, std::vector<cell>& c, char* name) {
    c[0] = cell::integer(k);
    c[1] = cell::real(0.0036 * static_cast<double>(k % 100000));
    c[2] = cell::real(-89.0 + 1.78e-4 * static_cast<double>(k % 1000000));
    for (int b = 0; b < 5; ++b) c[static_cast<size_t>(3 + b)] = cell::real(14.0f + 0.001f * static_cast<float>((k * (b + 3)) % 9000));
    c[8] = cell::integer(k & 0xFF);
    // "star_" and 11 digits, without printf's cost (data generation is not what is measured).
    std::memcpy(name, "star_00000000000", 16);
    for (int i = 15; i >= 5 && k > 0; --i, k /= 10) name[i] = static_cast<char>('0' + k % 10);
    c[9] = cell::text(std::string_view(name, 16));
}

double peak_rss_mb() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

void write_all(table_writer& w, std::int64_t rows) {
    auto fs = fields();
    w.begin(fs);
    std::vector<cell> c(10);
    char name[17];
    for (std::int64_t k = 0; k < rows; ++k) {
        fill(k, c, name);
        w.row(c);
    }
    w.finish();
}

std::unique_ptr<table_writer> make(const std::string& fmt, sink& s) {
    if (fmt == "td") return make_votable_writer(s, serialization::tabledata);
    if (fmt == "b") return make_votable_writer(s, serialization::binary);
    if (fmt == "b2") return make_votable_writer(s, serialization::binary2);
    if (fmt == "csv") return make_csv_writer(s, ',');
    if (fmt == "tsv") return make_csv_writer(s, '\t');
    return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: votable_bench write|read-b2|file FORMAT ROWS [PATH]\n");
        return 2;
    }
    const std::string mode = argv[1];
    if (mode == "write") {
        const std::string fmt = argv[2];
        const std::int64_t rows = std::atoll(argv[3]);
        if (fmt == "fits") {
            char path[] = "/tmp/dax-bench-XXXXXX";
            const int fd = mkstemp(path);
            close(fd);
            auto t0 = clk::now();
            auto w = dax::fits::make_fits_writer(path);
            write_all(*w, rows);
            const double s = std::chrono::duration<double>(clk::now() - t0).count();
            struct stat st;
            ::stat(path, &st);
            const double mb = static_cast<double>(st.st_size) / 1e6;
            std::printf("%-6s %9lld rows %9.1f MB %8.3f s %8.1f MB/s %11.0f rows/s  peak RSS %6.1f MB\n", fmt.c_str(),
                        static_cast<long long>(rows), mb, s, mb / s, rows / s, peak_rss_mb());
            unlink(path);
            return 0;
        }
        const int fd = open("/dev/null", O_WRONLY);
        fd_sink dev(fd);
        counting_sink out(dev);
        auto w = make(fmt, out);
        if (!w) return 2;
        auto t0 = clk::now();
        write_all(*w, rows);
        const double s = std::chrono::duration<double>(clk::now() - t0).count();
        const double mb = static_cast<double>(out.bytes) / 1e6;
        std::printf("%-6s %9lld rows %9.1f MB %8.3f s %8.1f MB/s %11.0f rows/s  peak RSS %6.1f MB\n", fmt.c_str(),
                    static_cast<long long>(rows), mb, s, mb / s, rows / s, peak_rss_mb());
        return 0;
    }
    if (mode == "read-b2") {
        const std::int64_t rows = std::atoll(argv[2]);
        string_sink doc;
        auto w = make_votable_writer(doc, serialization::binary2);
        write_all(*w, rows);
        doc.out.shrink_to_fit();
        const double rss_before = peak_rss_mb();
        auto t0 = clk::now();
        auto r = open_reader(doc.out);
        if (!r) {
            std::fprintf(stderr, "%s\n", r.err().what());
            return 1;
        }
        std::int64_t n = 0;
        double sum = 0;
        while (r.value()->next()) {
            sum += r.value()->row()[1].d;
            ++n;
        }
        const double s = std::chrono::duration<double>(clk::now() - t0).count();
        const double mb = static_cast<double>(doc.out.size()) / 1e6;
        std::printf("read-b2 %8lld rows %9.1f MB %8.3f s %8.1f MB/s %11.0f rows/s  peak RSS %6.1f MB, of which the reader %.1f MB (checksum %.0f)\n",
                    static_cast<long long>(n), mb, s, mb / s, n / s, peak_rss_mb(), peak_rss_mb() - rss_before, sum);
        return 0;
    }
    if (mode == "file" && argc == 5) {
        std::FILE* f = std::fopen(argv[4], "wb");
        if (!f) return 1;
        fd_sink out(fileno(f));
        auto w = make(argv[2], out);
        if (!w) return 2;
        write_all(*w, std::atoll(argv[3]));
        std::fclose(f);
        return 0;
    }
    return 2;
}
