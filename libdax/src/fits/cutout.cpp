// FITS cutouts (field notes sections 2.4-2.7): the box from every image HDU on the science grid,
// headers kept with their WCS shifted. The output is composed here, block by block (FITS 4.0
// sections 3-4, checksums as in its appendix J), and streamed to the sink HDU by HDU: headers are
// read directly (header_scan.hpp), an uncompressed image's rows with pread (only the bytes of the
// box, still big-endian), a tile-compressed one through CFITSIO (only the tiles the box touches).
// DATASUM precedes the data, so an HDU's pixels are summed before they go out: held in memory
// up to 32 MiB, read twice (sum, then send) beyond - memory stays flat in the cutout's size.
#include <dax/fits/cutout.hpp>
#include <dax/fits/image_writer.hpp>

#include "fits_file.hpp"
#include "batch_read.hpp"
#include "header_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <unistd.h>

namespace dax::fits {

namespace {

using detail::check;
constexpr std::size_t block = 2880;

std::size_t bytes_of(int bitpix) { return static_cast<std::size_t>(std::abs(bitpix) / 8); }

int datatype_of(int bitpix) {
    switch (bitpix) {
    case BYTE_IMG: return TBYTE;
    case SHORT_IMG: return TSHORT;
    case LONG_IMG: return TINT;
    case LONGLONG_IMG: return TLONGLONG;
    case FLOAT_IMG: return TFLOAT;
    case DOUBLE_IMG: return TDOUBLE;
    default: throw error(fmt::format("FITS: unsupported BITPIX {}", bitpix));
    }
}

bool digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}
bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Keywords the output writes itself, or that describe the input's storage (a compressed HDU is
// a binary table: its table and Z* keywords go).
bool structural(std::string_view k, bool compressed) {
    for (std::string_view f : {"SIMPLE", "XTENSION", "BITPIX", "EXTEND", "NEXTEND", "PCOUNT", "GCOUNT", "CHECKSUM", "DATASUM", "END"})
        if (k == f) return true;
    if (starts(k, "NAXIS") && (k.size() == 5 || digits(k.substr(5)))) return true;
    if (!compressed) return false;
    for (std::string_view f : {"TFIELDS", "THEAP", "ZIMAGE", "ZCMPTYPE", "ZBITPIX", "ZMASKCMP", "ZSIMPLE", "ZTENSION", "ZEXTEND",
                               "ZBLOCKED", "ZPCOUNT", "ZGCOUNT", "ZHECKSUM", "ZDATASUM", "ZQUANTIZ", "ZDITHER0",
                               "FZALGOR", "FZTILE", "FZQVALUE", "FZQMETHD", "FZDTHRSD", "FZINT2F"})
        if (k == f) return true;
    for (std::string_view p : {"TTYPE", "TFORM", "TUNIT", "TDIM", "TNULL", "TSCAL", "TZERO", "TDISP", "ZNAXIS", "ZTILE", "ZNAME", "ZVAL"})
        if (starts(k, p) && (k.size() == p.size() ? p == "ZNAXIS" : digits(k.substr(p.size())))) return true;
    return false;
}

// The axis of CRPIXn[a] or LTVn, 0 for other keywords.
std::size_t shifted_axis(std::string_view k) {
    if (starts(k, "CRPIX")) {
        auto rest = k.substr(5);
        if (!rest.empty() && std::isupper(static_cast<unsigned char>(rest.back())) && rest.size() > 1) rest.remove_suffix(1);
        return digits(rest) ? std::stoul(std::string(rest)) : 0;
    }
    if (starts(k, "LTV") && digits(k.substr(3))) return std::stoul(std::string(k.substr(3)));
    return 0;
}

// A string value of any length: one card, or several with the CONTINUE convention (FITS 4.0
// section 4.2.1.2), never splitting a doubled quote.
std::string long_string(std::string_view key, std::string_view value) {
    std::string q;
    for (char c : value) q += c == '\'' ? std::string("''") : std::string(1, c);
    if (q.size() <= 68) return card(key, value);
    std::string out;
    bool first = true;
    std::size_t at = 0;
    while (at < q.size()) {
        std::size_t n = std::min<std::size_t>(67, q.size() - at);  // 11 characters before, "&'" after
        if (at + n < q.size() && q[at + n - 1] == '\'' && q[at + n] == '\'') --n;  // keep '' together
        // an odd run of quotes at the cut would split a pair: step back over one
        std::size_t run = 0;
        while (run < n && q[at + n - 1 - run] == '\'') ++run;
        if (run % 2) --n;
        const bool last = at + n >= q.size();
        const std::string piece = "'" + q.substr(at, n) + (last ? "" : "&") + "'";
        std::string c = first ? fmt::format("{:<8}= {}", key, piece) : fmt::format("CONTINUE  {}", piece);
        c.resize(80, ' ');
        out += c;
        at += n;
        first = false;
    }
    return out;
}

// The 32-bit ones' complement sum of big-endian words (FITS 4.0 appendix J).
std::uint32_t add_sum(std::uint32_t a, std::uint32_t b) {
    std::uint64_t s = static_cast<std::uint64_t>(a) + b;
    return static_cast<std::uint32_t>((s & 0xFFFFFFFFu) + (s >> 32));
}
// The ones' complement sum of a byte stream taken as big-endian 32-bit words, fed in pieces of
// any length (rows of 16-bit pixels need not end on a word).
class ones_sum {
public:
    void add(const unsigned char* p, std::size_t n) {
        while (n && fill_) {  // complete a word begun by the previous piece
            word_[fill_++] = *p++, --n;
            if (fill_ == 4) add_words(word_, 4), fill_ = 0;
        }
        const std::size_t whole = n & ~std::size_t{3};
        add_words(p, whole);
        for (std::size_t i = whole; i < n; ++i) word_[fill_++] = p[i];
    }
    std::uint32_t value() const {  // a partial last word counts as zero-padded (the FITS padding)
        std::uint64_t hi = hi_, lo = lo_;
        if (fill_) {
            unsigned char w[4] = {};
            std::memcpy(w, word_, fill_);
            hi += static_cast<std::uint64_t>(w[0] << 8 | w[1]);
            lo += static_cast<std::uint64_t>(w[2] << 8 | w[3]);
        }
        std::uint64_t hc = hi >> 16, lc = lo >> 16;
        while (hc || lc) {
            hi = (hi & 0xFFFF) + lc;
            lo = (lo & 0xFFFF) + hc;
            hc = hi >> 16;
            lc = lo >> 16;
        }
        return static_cast<std::uint32_t>(hi << 16 | lo);
    }

private:
    void add_words(const unsigned char* p, std::size_t n) {
        std::uint64_t hi = 0, lo = 0;  // 16-bit halves: 2^48 words before these overflow
        for (std::size_t i = 0; i < n; i += 4) {
            hi += static_cast<std::uint64_t>(p[i] << 8 | p[i + 1]);
            lo += static_cast<std::uint64_t>(p[i + 2] << 8 | p[i + 3]);
        }
        hi_ += hi, lo_ += lo;
    }
    std::uint64_t hi_ = 0, lo_ = 0;
    unsigned char word_[4] = {};
    std::size_t fill_ = 0;
};

// An HDU's header with DATASUM and CHECKSUM (FITS 4.0 appendix J) for data summing to `datasum`:
// padded to whole blocks.
std::string finished_header(std::string cards, std::uint32_t datasum) {
    cards += card("DATASUM", std::to_string(datasum), "data unit checksum");
    const std::size_t at = cards.size();
    cards += card("CHECKSUM", "0000000000000000", "HDU checksum");
    cards += std::string("END").append(77, ' ');
    cards.resize((cards.size() + block - 1) / block * block, ' ');
    ones_sum h;
    h.add(reinterpret_cast<const unsigned char*>(cards.data()), cards.size());
    char ascii[17] = {};
    ffesum(add_sum(h.value(), datasum), 1, ascii);
    std::memcpy(&cards[at + 11], ascii, 16);
    return cards;
}

std::string_view unquoted(std::string_view v) {
    if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
}

// An input HDU's cards for the output: CRPIXn[a] and LTVn shifted by the box origin on axis n
// (`shift`, empty for an HDU that is not cut); LTV1/LTV2 added when absent.
std::string copied_cards(const detail::scanned_hdu& in, const std::vector<long>& shift, const std::vector<std::string>& replaced = {}) {
    std::string out;
    bool ltv_seen[2] = {false, false}, skipping = false;
    const bool compressed = in.compressed, integer = in.bitpix > 0;
    for (std::size_t at = 0; at < in.cards.size(); at += 80) {
        const std::string_view rec(in.cards.data() + at, 80);
        const auto kv = detail::parse_card(rec);
        const std::string_view key = kv.key;
        if (skipping && key == "CONTINUE") continue;  // the rest of a dropped long string
        skipping = false;
        if (structural(key, compressed) || key == "LONGSTRN") continue;
        // Keys written anew (a cutout of a cutout gets one set of provenance cards).
        if (std::find(replaced.begin(), replaced.end(), key) != replaced.end()) {
            skipping = true;
            continue;
        }
        if (compressed && key == "ZBLANK") {  // an integer image's null value: BLANK uncompressed
            double v = 0;
            if (integer && detail::parse_number(kv.value, v)) out += card("BLANK", static_cast<long long>(v), "null value");
            continue;
        }
        if (compressed && key == "EXTNAME" && unquoted(kv.value) == "COMPRESSED_IMAGE")
            continue;  // CFITSIO's and astropy's default name for the compressed table
        if (const auto axis = shifted_axis(key); axis && !shift.empty()) {
            if (starts(key, "LTV") && axis <= 2) ltv_seen[axis - 1] = true;
            double v = 0;
            if (axis <= shift.size() && detail::parse_number(kv.value, v)) {
                out += card(key, v - static_cast<double>(shift[axis - 1]), kv.comment.substr(0, 40));
                continue;
            }
        }
        out += rec;
    }
    for (std::size_t a = 0; a < 2 && a < shift.size(); ++a)
        if (!ltv_seen[a]) out += card(fmt::format("LTV{}", a + 1), -static_cast<double>(shift[a]), "cutout origin: logical = physical + LTV");
    return out;
}

std::string structure_cards(bool primary, int bitpix, const std::vector<long>& dims) {
    std::string c = primary ? card("SIMPLE", true, "conforms to FITS") : card("XTENSION", "IMAGE", "image extension");
    c += card("BITPIX", bitpix) + card("NAXIS", static_cast<int>(dims.size()));
    for (std::size_t a = 0; a < dims.size(); ++a) c += card(fmt::format("NAXIS{}", a + 1), static_cast<long long>(dims[a]));
    c += primary ? card("EXTEND", true) : card("PCOUNT", 0) + card("GCOUNT", 1);
    return c;
}

constexpr std::size_t held_bytes = 32u << 20;  // an HDU's cutout up to this is read once, held
constexpr std::size_t chunk_bytes = 4u << 20;  // beyond, read (twice) in pieces of about this

// Pixel buffers kept per thread from one cutout to the next: a fresh 160 KB allocation costs more
// than the whole cutout (glibc maps it anew, and every page faults). Not zero-filled; one that grew
// past 4 MiB is given back after use.
class scratch {
public:
    unsigned char* get(std::size_t n) {
        if (n > cap_) p_.reset(new unsigned char[n]), cap_ = n;
        return p_.get();
    }
    void trim() {
        if (cap_ > chunk_bytes) p_.reset(), cap_ = 0;
    }

private:
    std::unique_ptr<unsigned char[]> p_;
    std::size_t cap_ = 0;
};
thread_local scratch pixel_buffer;

// One file's cutout, planned: every header read and every check made before the first byte
// goes out. Then its HDUs are streamed one by one.
class file_cut {
public:
    file_cut(const std::string& path, const cutout_spec& spec, bool frame) : path_(path), spec_(spec) {
        fd_.emplace(path);
        size_ = fd_->size;
        hdus_ = detail::scan_hdus(fd_->fd, size_);
        const int count = static_cast<int>(hdus_.size());
        if (spec.science_hdu < 0 || spec.science_hdu >= count) throw error(fmt::format("{} has no HDU {}", path, spec.science_hdu));
        const auto& science = hdus_[static_cast<std::size_t>(spec.science_hdu)];
        if (!science.image || science.shape.size() < 2 || spec.first.size() != science.shape.size() ||
            spec.last.size() != science.shape.size())
            throw error(fmt::format("HDU {} is not an image of {} axes", spec.science_hdu, spec.first.size()));
        for (std::size_t a = 0; a < science.shape.size(); ++a) {
            if (spec.first[a] < 1 || spec.last[a] > science.shape[a] || spec.first[a] > spec.last[a])
                throw error(fmt::format("axis {}: pixels {}..{} are outside 1..{}", a + 1, spec.first[a], spec.last[a], science.shape[a]));
            dims_.push_back(spec.last[a] - spec.first[a] + 1);
            shift_.push_back(spec.first[a] - 1);
        }
        std::string provenance;
        std::vector<std::string> replaced;  // keys written anew, dropped from the copied cards
        for (const auto& [k, v] : spec.provenance) {
            provenance += long_string(k, v);
            replaced.push_back(k);
        }
        if (provenance.find("CONTINUE  ") != std::string::npos)  // the long-string convention is used (FITS 4.0 section 4.2.1.2)
            provenance = card("LONGSTRN", "OGIP 1.0", "the CONTINUE long-string convention is used") + provenance;
        if (spec.cards.size() % 80 != 0) throw error("FITS: extra cards are not whole cards");
        for (std::size_t i = 0; i < spec.cards.size(); i += 80) {
            std::string k = spec.cards.substr(i, 8);
            while (!k.empty() && k.back() == ' ') k.pop_back();
            replaced.push_back(k);
        }
        provenance += spec.cards;
        // Which HDUs are cut: the image HDUs on the science grid. A frame of a film strip is
        // the science HDU alone, as an extension.
        int extensions = 0;
        for (int i = 1; i < count; ++i)
            if (hdus_[static_cast<std::size_t>(i)].image && hdus_[static_cast<std::size_t>(i)].shape == science.shape) ++extensions;
        for (int i = 0; i < count; ++i) {
            const auto& h = hdus_[static_cast<std::size_t>(i)];
            if (frame && i != spec.science_hdu) continue;
            if (h.image && h.shape == science.shape) {
                overflow_checked_bytes(h);
                out_.push_back({structure_cards(i == 0 && !frame, h.bitpix, dims_) + copied_cards(h, shift_, replaced) + provenance, i});
            } else if (i == 0) {  // the primary off the grid: its header alone
                std::string c = structure_cards(true, BYTE_IMG, {}) + copied_cards(h, {});
                if (extensions > 0) c += card("NEXTEND", extensions, "number of extensions");
                out_.push_back({std::move(c), -1});
            }
        }
    }

    std::size_t hdu_count() const { return out_.size(); }
    /// Closes the file until write() (a film strip plans up to 1,000 files before writing any).
    void release() { fd_.reset(); }

    void write(dax::sink& out, std::uint64_t& total) {
        if (!fd_) {
            fd_.emplace(path_);
            if (fd_->size != size_) throw error("FITS: the file changed while the cutout was being made");
        }
        for (auto& o : out_) {
            if (o.input < 0) {
                emit(finished_header(std::move(o.cards), 0), out, total);
                continue;
            }
            const auto& h = hdus_[static_cast<std::size_t>(o.input)];
            const std::size_t bytes = overflow_checked_bytes(h), row = static_cast<std::size_t>(dims_[0]) * bytes_of(h.bitpix);
            ones_sum sum;
            struct trimmed {
                ~trimmed() { pixel_buffer.trim(); }
            } give_back;
            if (bytes <= held_bytes) {
                unsigned char* px = pixel_buffer.get(bytes);
                read(o.input, 0, bytes / row, px);
                sum.add(px, bytes);
                emit(finished_header(std::move(o.cards), sum.value()), out, total);
                emit_data(px, bytes, out, total);
            } else {  // twice in pieces: summed, then sent
                const std::size_t rows = bytes / row, step = std::max<std::size_t>(1, chunk_bytes / row);
                unsigned char* px = pixel_buffer.get(std::min(rows, step) * row);
                for (std::size_t r = 0; r < rows; r += step) {
                    const std::size_t n = std::min(step, rows - r);
                    read(o.input, r, n, px);
                    sum.add(px, n * row);
                }
                emit(finished_header(std::move(o.cards), sum.value()), out, total);
                for (std::size_t r = 0; r < rows; r += step) {
                    const std::size_t n = std::min(step, rows - r);
                    read(o.input, r, n, px);
                    emit_data(px, n * row, out, total);
                }
            }
            pad(bytes, out, total);
        }
    }

private:
    struct output {
        std::string cards;  // without DATASUM, CHECKSUM, END
        int input;          // the input HDU cut, -1: a header alone
    };

    std::size_t overflow_checked_bytes(const detail::scanned_hdu& h) const {  // a header may claim any size
        std::size_t n = bytes_of(h.bitpix);
        for (long d : dims_)
            if (__builtin_mul_overflow(n, static_cast<std::size_t>(d), &n)) throw error("FITS: the cutout's size overflows");
        return n;
    }

    static void emit(const std::string& header, dax::sink& out, std::uint64_t& total) {
        out.write(header.data(), header.size());
        total += header.size();
    }
    static void emit_data(const unsigned char* p, std::size_t n, dax::sink& out, std::uint64_t& total) {
        if (n) out.write(reinterpret_cast<const char*>(p), n);
        total += n;
    }
    static void pad(std::size_t bytes, dax::sink& out, std::uint64_t& total) {
        static const char zeros[block] = {};
        if (const std::size_t r = bytes % block) {
            out.write(zeros, block - r);
            total += block - r;
        }
    }

    // Rows [r, r + n) of the box in HDU `input` (a row: the box's run along axis 1; rows in
    // order of axis 2, then 3, ...), big-endian as stored.
    void read(int input, std::size_t r, std::size_t n, unsigned char* dst) {
        const auto& h = hdus_[static_cast<std::size_t>(input)];
        const std::size_t bytes = bytes_of(h.bitpix), naxes = h.shape.size(), row = static_cast<std::size_t>(dims_[0]) * bytes;
        // The first row's pixel indices.
        std::vector<long> at(naxes);
        std::size_t rest = r;
        for (std::size_t a = 1; a < naxes; ++a) {
            at[a] = spec_.first[a] + static_cast<long>(rest % static_cast<std::size_t>(dims_[a]));
            rest /= static_cast<std::size_t>(dims_[a]);
        }
        at[0] = spec_.first[0];
        std::vector<detail::read_piece> pieces;  // an uncompressed HDU's rows, read all at once
        for (std::size_t done = 0; done < n;) {
            // A run of rows within one plane (axes >= 3 fixed): one box for CFITSIO, and for a
            // box as wide as the image one contiguous piece.
            const std::size_t run = std::min<std::size_t>(n - done, static_cast<std::size_t>(spec_.last[1] - at[1] + 1));
            unsigned char* p = dst + done * row;
            if (h.compressed) {
                read_tiles(input, h, at, run, p);
            } else {
                std::size_t index = 0, stride = 1;
                for (std::size_t a = 0; a < naxes; ++a) {
                    index += static_cast<std::size_t>(at[a] - 1) * stride;
                    stride *= static_cast<std::size_t>(h.shape[a]);
                }
                const std::uint64_t off = h.data_at + index * bytes, line = static_cast<std::uint64_t>(h.shape[0]) * bytes;
                if (row == line) pieces.push_back({p, run * row, off});
                else
                    for (std::size_t k = 0; k < run; ++k) pieces.push_back({p + k * row, row, off + k * line});
            }
            done += run;
            at[1] += static_cast<long>(run);
            for (std::size_t a = 1; a + 1 < naxes && at[a] > spec_.last[a]; ++a) {  // the next plane
                at[a] = spec_.first[a];
                ++at[a + 1];
            }
        }
        detail::read_pieces(fd_->fd, pieces);
    }

    // Through CFITSIO, opened once per file: raw values (no scaling), then byte-swapped.
    void read_tiles(int input, const detail::scanned_hdu& h, const std::vector<long>& at, std::size_t run, unsigned char* p) {
        int status = 0, type = 0;
        if (!cfitsio_) cfitsio_ = detail::open_file(path_);
        fits_movabs_hdu(cfitsio_.get(), input + 1, &type, &status);
        fits_set_bscale(cfitsio_.get(), 1.0, 0.0, &status);
        check(status, "opening the compressed image");
        std::vector<long> first(at), last(at), inc(at.size(), 1);
        last[0] = spec_.last[0];
        last[1] = at[1] + static_cast<long>(run) - 1;
        int anynul = 0;
        fits_read_subset(cfitsio_.get(), datatype_of(h.bitpix), first.data(), last.data(), inc.data(), nullptr, p, &anynul, &status);
        check(status, "reading the cutout's pixels");
        const std::size_t bytes = bytes_of(h.bitpix), n = run * static_cast<std::size_t>(dims_[0]) * bytes;
        if (bytes > 1)  // native to big-endian
            for (std::size_t i = 0; i < n; i += bytes) std::reverse(p + i, p + i + bytes);
    }

    std::string path_;
    std::optional<detail::open_fd> fd_;
    std::uint64_t size_ = 0;
    detail::file_ptr cfitsio_;
    const cutout_spec& spec_;
    std::vector<detail::scanned_hdu> hdus_;
    std::vector<long> dims_, shift_;
    std::vector<output> out_;
};

}  // namespace

std::uint64_t write_cutout(const std::string& path, const cutout_spec& spec, dax::sink& out) {
    file_cut cut(path, spec, false);
    std::uint64_t total = 0;
    cut.write(out, total);
    return total;
}

std::uint64_t write_film_strip(std::span<const strip_frame> frames, dax::sink& out, const std::function<bool()>& cancelled) {
    // Every frame planned (headers read, boxes checked) before the first byte goes out.
    std::vector<std::unique_ptr<file_cut>> cuts;
    std::size_t extensions = 0;
    for (const auto& f : frames) {
        if (cancelled && cancelled()) throw error("the job was aborted");
        cuts.push_back(std::make_unique<file_cut>(f.path, f.spec, true));
        extensions += cuts.back()->hdu_count();
        cuts.back()->release();
    }
    std::uint64_t total = 0;
    const auto primary = finished_header(structure_cards(true, BYTE_IMG, {}) +
                                             card("NEXTEND", static_cast<long long>(extensions), "number of extensions") +
                                             card("ORIGIN", "libdax", "a SODA film strip: one extension per epoch"),
                                         0);
    out.write(primary.data(), primary.size());
    total += primary.size();
    for (auto& c : cuts) {
        if (cancelled && cancelled()) throw error("the job was aborted");
        c->write(out, total);
        c.reset();  // its file closed
    }
    return total;
}

}  // namespace dax::fits
