// FITS cutouts (field notes sections 2.4-2.7): the box from every image HDU on the science grid,
// headers kept with their WCS shifted. The output is composed here, block by block (FITS 4.0
// sections 3-4, checksums as in its appendix J), and goes straight to the sink: an uncompressed
// image's rows are read with pread (only the bytes of the box, still big-endian), a
// tile-compressed one through CFITSIO (only the tiles the box touches).
#include <dax/fits/cutout.hpp>
#include <dax/fits/image_writer.hpp>

#include "fits_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
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
std::uint32_t ones_sum(const unsigned char* p, std::size_t n, std::uint32_t sum = 0) {
    std::uint64_t hi = sum >> 16, lo = sum & 0xFFFF;
    for (std::size_t i = 0; i + 3 < n; i += 4) {
        hi += static_cast<std::uint64_t>(p[i] << 8 | p[i + 1]);
        lo += static_cast<std::uint64_t>(p[i + 2] << 8 | p[i + 3]);
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

// One HDU of the output: its header cards (without END) and its data, big-endian.
void emit_hdu(std::string cards, std::vector<unsigned char> data, dax::sink& out, std::uint64_t& total) {
    data.resize((data.size() + block - 1) / block * block, 0);
    const std::uint32_t datasum = ones_sum(data.data(), data.size());
    cards += card("DATASUM", std::to_string(datasum), "data unit checksum");
    const std::size_t at = cards.size();
    cards += card("CHECKSUM", "0000000000000000", "HDU checksum");
    cards += std::string("END").append(77, ' ');
    cards.resize((cards.size() + block - 1) / block * block, ' ');
    const std::uint32_t sum = add_sum(ones_sum(reinterpret_cast<const unsigned char*>(cards.data()), cards.size()), datasum);
    char ascii[17] = {};
    ffesum(sum, 1, ascii);
    std::memcpy(&cards[at + 11], ascii, 16);
    out.write(cards.data(), cards.size());
    if (!data.empty()) out.write(reinterpret_cast<const char*>(data.data()), data.size());
    total += cards.size() + data.size();
}

struct hdu_shape {
    int bitpix = 0;
    std::vector<long> shape;
    bool compressed = false;
};

hdu_shape shape_of(fitsfile* f) {
    hdu_shape s;
    int status = 0, naxis = 0, type = 0;
    fits_get_hdu_type(f, &type, &status);
    check(status, "reading the HDU type");
    if (type != IMAGE_HDU) return s;
    fits_get_img_type(f, &s.bitpix, &status);
    fits_get_img_dim(f, &naxis, &status);
    s.shape.resize(static_cast<std::size_t>(naxis));
    if (naxis) fits_get_img_size(f, naxis, s.shape.data(), &status);
    check(status, "reading the image size");
    s.compressed = fits_is_compressed_image(f, &status) != 0;
    return s;
}

// The current input HDU's cards for the output: CRPIXn[a] and LTVn shifted by the box origin
// on axis n (`shift`, empty for an HDU that is not cut); LTV1/LTV2 added when absent.
std::string copied_cards(fitsfile* in, bool compressed, bool integer, const std::vector<long>& shift,
                         const std::vector<std::string>& replaced = {}) {
    int status = 0, n = 0, more = 0;
    fits_get_hdrspace(in, &n, &more, &status);
    check(status, "reading a header");
    std::string out;
    char rec[FLEN_CARD], name[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
    bool ltv_seen[2] = {false, false}, skipping = false;
    for (int i = 1; i <= n; ++i) {
        fits_read_record(in, i, rec, &status);
        check(status, "reading a header card");
        int len = 0;
        if (fits_get_keyname(rec, name, &len, &status)) status = 0;
        const std::string_view key(name);
        if (skipping && key == "CONTINUE") continue;  // the rest of a dropped long string
        skipping = false;
        if (structural(key, compressed) || key == "LONGSTRN") continue;
        // Keys written anew (a cutout of a cutout gets one set of provenance cards).
        if (std::find(replaced.begin(), replaced.end(), key) != replaced.end()) {
            skipping = true;
            continue;
        }
        if (compressed && key == "ZBLANK") {  // an integer image's null value: BLANK uncompressed
            if (integer && fits_parse_value(rec, value, comment, &status) == 0) out += card("BLANK", std::atoll(value), "null value");
            status = 0;
            continue;
        }
        if (compressed && key == "EXTNAME" && fits_parse_value(rec, value, comment, &status) == 0 &&
            std::string_view(value) == "'COMPRESSED_IMAGE'")
            continue;  // CFITSIO's and astropy's default name for the compressed table
        status = 0;
        if (const auto axis = shifted_axis(key); axis && !shift.empty()) {
            if (starts(key, "LTV") && axis <= 2) ltv_seen[axis - 1] = true;
            if (axis <= shift.size() && fits_parse_value(rec, value, comment, &status) == 0) {
                char* end = nullptr;
                const double v = std::strtod(value, &end);
                if (end != value) {
                    out += card(key, v - static_cast<double>(shift[axis - 1]), comment);
                    continue;
                }
            }
            status = 0;
        }
        std::string c(rec);
        c.resize(80, ' ');
        out += c;
    }
    for (std::size_t a = 0; a < 2 && a < shift.size(); ++a)
        if (!ltv_seen[a]) out += card(fmt::format("LTV{}", a + 1), -static_cast<double>(shift[a]), "cutout origin: logical = physical + LTV");
    return out;
}

// The box's pixels, big-endian as stored: read straight from the file for an uncompressed HDU,
// through CFITSIO (raw values, then byte-swapped) for a compressed one.
std::vector<unsigned char> box_pixels(fitsfile* in, int fd, const hdu_shape& s, const cutout_spec& spec) {
    const std::size_t bytes = bytes_of(s.bitpix), naxes = s.shape.size();
    std::size_t n = bytes;  // checked for overflow: a header may claim any size
    for (std::size_t a = 0; a < naxes; ++a)
        if (__builtin_mul_overflow(n, static_cast<std::size_t>(spec.last[a] - spec.first[a] + 1), &n))
            throw error("FITS: the cutout's size overflows");
    std::vector<unsigned char> px(n);
    int status = 0;
    if (!s.compressed) {
        LONGLONG head = 0, data = 0, end = 0;
        fits_get_hduaddrll(in, &head, &data, &end, &status);
        check(status, "locating the pixels");
        std::size_t image = bytes;  // the whole image must be in the file
        for (long a : s.shape)
            if (__builtin_mul_overflow(image, static_cast<std::size_t>(a), &image)) throw error("FITS: the image's size overflows");
        struct stat st {};
        if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(data) + image > static_cast<std::size_t>(st.st_size))
            throw error("FITS: the file is shorter than its header says");
        // The rows of the box with pread (not mmap: a file truncated meanwhile must give an
        // error, not SIGBUS).
        const std::size_t row = static_cast<std::size_t>(spec.last[0] - spec.first[0] + 1) * bytes;
        std::vector<long> at(spec.first.begin(), spec.first.end());  // the current row's first pixel
        for (std::size_t done = 0; done < px.size(); done += row) {
            std::size_t index = 0, stride = 1;
            for (std::size_t a = 0; a < naxes; ++a) {
                index += static_cast<std::size_t>(at[a] - 1) * stride;
                stride *= static_cast<std::size_t>(s.shape[a]);
            }
            const auto off = static_cast<off_t>(data) + static_cast<off_t>(index * bytes);
            if (::pread(fd, px.data() + done, row, off) != static_cast<ssize_t>(row)) throw error("FITS: the file is shorter than its header says");
            for (std::size_t a = 1; a < naxes; ++a) {  // the next row
                if (++at[a] <= spec.last[a]) break;
                at[a] = spec.first[a];
            }
        }
        return px;
    }
    fits_set_bscale(in, 1.0, 0.0, &status);
    std::vector<long> first(spec.first), last(spec.last), inc(naxes, 1);
    int anynul = 0;
    fits_read_subset(in, datatype_of(s.bitpix), first.data(), last.data(), inc.data(), nullptr, px.data(), &anynul, &status);
    check(status, "reading the cutout's pixels");
    if (bytes > 1)  // native to big-endian
        for (std::size_t i = 0; i < px.size(); i += bytes) std::reverse(px.begin() + static_cast<long>(i), px.begin() + static_cast<long>(i + bytes));
    return px;
}

std::string structure_cards(bool primary, int bitpix, const std::vector<long>& dims) {
    std::string c = primary ? card("SIMPLE", true, "conforms to FITS") : card("XTENSION", "IMAGE", "image extension");
    c += card("BITPIX", bitpix) + card("NAXIS", static_cast<int>(dims.size()));
    for (std::size_t a = 0; a < dims.size(); ++a) c += card(fmt::format("NAXIS{}", a + 1), static_cast<long long>(dims[a]));
    c += primary ? card("EXTEND", true) : card("PCOUNT", 0) + card("GCOUNT", 1);
    return c;
}

}  // namespace

namespace {

using hdu_text = std::pair<std::string, std::vector<unsigned char>>;

// The HDUs of one file's cutout, read whole before anything is written. A film-strip frame is
// the science HDU alone, as an extension.
std::vector<hdu_text> cut_file(const std::string& path, const cutout_spec& spec, bool frame) {
    auto in = detail::open_file(path);
    int status = 0, count = 0, type = 0;
    fits_get_num_hdus(in.get(), &count, &status);
    check(status, "counting the HDUs");
    if (spec.science_hdu < 0 || spec.science_hdu >= count) throw error(fmt::format("{} has no HDU {}", path, spec.science_hdu));
    fits_movabs_hdu(in.get(), spec.science_hdu + 1, &type, &status);
    check(status, "moving to the science HDU");
    const hdu_shape science = shape_of(in.get());
    if (science.shape.size() < 2 || spec.first.size() != science.shape.size() || spec.last.size() != science.shape.size())
        throw error(fmt::format("HDU {} is not an image of {} axes", spec.science_hdu, spec.first.size()));
    std::vector<long> dims(science.shape.size()), shift(science.shape.size());
    for (std::size_t a = 0; a < science.shape.size(); ++a) {
        if (spec.first[a] < 1 || spec.last[a] > science.shape[a] || spec.first[a] > spec.last[a])
            throw error(fmt::format("axis {}: pixels {}..{} are outside 1..{}", a + 1, spec.first[a], spec.last[a], science.shape[a]));
        dims[a] = spec.last[a] - spec.first[a] + 1;
        shift[a] = spec.first[a] - 1;
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

    // Which HDUs are cut: the image HDUs on the science grid.
    std::vector<hdu_shape> shapes(static_cast<std::size_t>(count));
    int extensions = 0;
    for (int i = 0; i < count; ++i) {
        fits_movabs_hdu(in.get(), i + 1, &type, &status);
        check(status, "moving to an HDU");
        shapes[static_cast<std::size_t>(i)] = shape_of(in.get());
        if (i > 0 && shapes[static_cast<std::size_t>(i)].shape == science.shape) ++extensions;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw error(error_kind::not_found, fmt::format("FITS: cannot open {}", path));
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } cl{fd};
    // Everything is read before the first byte goes out: an error leaves the sink untouched.
    std::vector<hdu_text> hdus;
    for (int i = 0; i < count; ++i) {
        const auto& s = shapes[static_cast<std::size_t>(i)];
        if (frame && i != spec.science_hdu) continue;
        fits_movabs_hdu(in.get(), i + 1, &type, &status);
        check(status, "moving to an HDU");
        if (s.shape == science.shape) {
            hdus.emplace_back(structure_cards(i == 0 && !frame, s.bitpix, dims) +
                                  copied_cards(in.get(), s.compressed, s.bitpix > 0, shift, replaced) + provenance,
                              box_pixels(in.get(), fd, s, spec));
        } else if (i == 0) {  // the primary off the grid: its header alone
            std::string c = structure_cards(true, BYTE_IMG, {}) + copied_cards(in.get(), false, false, {});
            if (extensions > 0) c += card("NEXTEND", extensions, "number of extensions");
            hdus.emplace_back(std::move(c), std::vector<unsigned char>{});
        }
    }
    return hdus;
}

}  // namespace

std::uint64_t write_cutout(const std::string& path, const cutout_spec& spec, dax::sink& out) {
    auto hdus = cut_file(path, spec, false);
    std::uint64_t total = 0;
    for (auto& [cards, data] : hdus) emit_hdu(std::move(cards), std::move(data), out, total);
    return total;
}

std::uint64_t write_film_strip(std::span<const strip_frame> frames, dax::sink& out, const std::function<bool()>& cancelled) {
    std::vector<hdu_text> hdus;
    for (const auto& f : frames) {
        if (cancelled && cancelled()) throw error("the job was aborted");
        auto h = cut_file(f.path, f.spec, true);
        hdus.insert(hdus.end(), std::make_move_iterator(h.begin()), std::make_move_iterator(h.end()));
    }
    std::uint64_t total = 0;
    emit_hdu(structure_cards(true, BYTE_IMG, {}) + card("NEXTEND", static_cast<long long>(hdus.size()), "number of extensions") +
                 card("ORIGIN", "libdax", "a SODA film strip: one extension per epoch"),
             {}, out, total);
    for (auto& [cards, data] : hdus) emit_hdu(std::move(cards), std::move(data), out, total);
    return total;
}

}  // namespace dax::fits
