// SHA-256 through OpenSSL's libcrypto, which uses the CPU's SHA extensions where present
// (several times faster than portable code: what makes hashing multi-gigabyte checkpoint
// files affordable). Files are streamed in fixed-size reads, never held in memory whole.
#include "headscope/core/sha256.h"

#include "headscope/core/errors.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>  // open, posix_fadvise
#include <memory>
#include <unistd.h> // read, close
#include <vector>

namespace headscope {

namespace {

struct DigestContext {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};

    DigestContext()
    {
        if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
            throw Error("SHA-256: OpenSSL could not initialise a digest context");
    }
    void update(const void* data, std::size_t size)
    {
        if (EVP_DigestUpdate(ctx.get(), data, size) != 1)
            throw Error("SHA-256: OpenSSL digest update failed");
    }
    std::string hex()
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1)
            throw Error("SHA-256: OpenSSL digest finalisation failed");
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out;
        out.reserve(2 * length);
        for (unsigned int i = 0; i < length; ++i) {
            out += kHex[digest[i] >> 4];
            out += kHex[digest[i] & 0xf];
        }
        return out;
    }
};

} // namespace

std::string sha256Hex(std::string_view data)
{
    DigestContext d;
    d.update(data.data(), data.size());
    return d.hex();
}

std::string sha256FileHex(const std::filesystem::path& file)
{
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw LoadError(withFile(std::string("cannot open file for hashing: ") + std::strerror(errno), file.string()));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    DigestContext d;
    std::vector<char> buffer(std::size_t(4) << 20);
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw LoadError(withFile(std::string("read error while hashing: ") + std::strerror(errno), file.string()));
        }
        d.update(buffer.data(), static_cast<std::size_t>(got));
    }
    return d.hex();
}

} // namespace headscope
