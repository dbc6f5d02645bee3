#include "http/content_encoding.h"

#include <string>
#include <zlib.h>

#include <gtest/gtest.h>

namespace {
using sm::http::accepts_gzip;
using sm::http::gzip_compress;

// Inflates a gzip member with zlib, independently of gzip_compress's settings.
std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(AcceptEncoding, Gzip) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("GZip"));
  EXPECT_TRUE(accepts_gzip("identity, gzip"));        // what older Prometheus servers send
  EXPECT_TRUE(accepts_gzip("br;q=1.0, gzip;q=0.5"));  // with q-values
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip(" deflate , gzip ; q=0.001"));
}

TEST(AcceptEncoding, NotGzip) {
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("deflate, br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.000, identity"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));  // an explicit refusal beats the wildcard
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzipped"));
}

TEST(GzipCompress, RoundTripsAndShrinksAnExposition) {
  std::string exposition;
  for (int i = 0; i < 200; ++i) {
    exposition += "smartmeter_obis_value{obis=\"1.0.99." + std::to_string(i) +
                  ".0.255\",unit=\"\"} " + std::to_string(i * 7) + "\n";
  }
  const auto compressed = gzip_compress(exposition);
  ASSERT_TRUE(compressed);
  ASSERT_GE(compressed->size(), 18U);
  EXPECT_EQ(static_cast<unsigned char>((*compressed)[0]), 0x1F);  // RFC 1952 magic
  EXPECT_EQ(static_cast<unsigned char>((*compressed)[1]), 0x8B);
  EXPECT_LT(compressed->size(), exposition.size() / 4);
  EXPECT_EQ(gunzip(*compressed), exposition);
  EXPECT_EQ(gunzip(gzip_compress("").value()), "");
}

}  // namespace
