// The module's settings, in process: which tokens each kind of host program
// sees, and how the config file and the environment override that.
#include "pkcs11/settings.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace jpki::pkcs11 {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("JPKI_PKCS11_TOKENS");
    ::setenv("JPKI_PKCS11_CONFIG", config_.c_str(), 1);
    (void)std::remove(config_.c_str());
  }
  void TearDown() override {
    ::unsetenv("JPKI_PKCS11_TOKENS");
    ::unsetenv("JPKI_PKCS11_CONFIG");
    (void)std::remove(config_.c_str());
  }
  void write_config(const std::string& text) const { std::ofstream(config_) << text; }

  const std::string config_ = ::testing::TempDir() + "jpki-settings-test.conf";
};

TEST_F(SettingsTest, BrowsersAreKnownByTheirExecutableNames) {
  for (const char* b : {"firefox-esr", "firefox", "chromium", "chrome", "google-chrome"}) {
    EXPECT_TRUE(is_web_browser(b)) << b;
  }
  for (const char* p : {"pkcs11-tool", "java", "p11tool", "thunderbird", "chromium-extra", "", "CHROMIUM"}) {
    EXPECT_FALSE(is_web_browser(p)) << p;
  }
}

TEST_F(SettingsTest, HostProgramIsThisExecutable) {
  const std::string me = host_program();
  EXPECT_FALSE(me.empty());
  EXPECT_EQ(me.find('/'), std::string::npos);
  EXPECT_FALSE(is_web_browser(me));
}

TEST_F(SettingsTest, ABrowserSeesOnlyTheAuthenticationTokenByDefault) {
  const Settings s = load_settings("chromium");
  EXPECT_TRUE(s.show_auth_token);
  EXPECT_FALSE(s.show_sign_token);
  EXPECT_NE(s.tokens_reason.find("web browser chromium"), std::string::npos) << s.tokens_reason;
}

TEST_F(SettingsTest, PinentryTimeoutIsWholeSecondsFromFileOrEnvironment) {
  EXPECT_EQ(load_settings("pkcs11-tool").pinentry_timeout, 300);
  write_config("pinentry_timeout = 60\n");
  EXPECT_EQ(load_settings("pkcs11-tool").pinentry_timeout, 60);
  ::setenv("JPKI_PKCS11_PINENTRY_TIMEOUT", "2", 1);
  EXPECT_EQ(load_settings("pkcs11-tool").pinentry_timeout, 2);
  ::unsetenv("JPKI_PKCS11_PINENTRY_TIMEOUT");
  for (const char* bad : {"0", "-5", "1.5", "ten", "9999999", " "}) {
    EXPECT_EQ(parse_seconds(bad, 300), 300) << bad;
  }
}

TEST_F(SettingsTest, OtherProgramsSeeBothTokensByDefault) {
  const Settings s = load_settings("pkcs11-tool");
  EXPECT_TRUE(s.show_auth_token);
  EXPECT_TRUE(s.show_sign_token);
}

TEST_F(SettingsTest, TheSettingOverridesTheBrowserDefault) {
  ::setenv("JPKI_PKCS11_TOKENS", "both", 1);
  Settings s = load_settings("firefox-esr");
  EXPECT_TRUE(s.show_auth_token && s.show_sign_token);

  ::unsetenv("JPKI_PKCS11_TOKENS");
  write_config("tokens = sign\n");
  s = load_settings("firefox-esr");
  EXPECT_FALSE(s.show_auth_token);
  EXPECT_TRUE(s.show_sign_token);

  ::setenv("JPKI_PKCS11_TOKENS", "auth", 1);  // the environment wins over the file
  s = load_settings("pkcs11-tool");
  EXPECT_TRUE(s.show_auth_token);
  EXPECT_FALSE(s.show_sign_token);
}

TEST_F(SettingsTest, AnUnknownTokensValueKeepsTheDefaultAndSaysSo) {
  write_config("tokens = everything\n");
  Settings s = load_settings("chromium");
  EXPECT_TRUE(s.show_auth_token);
  EXPECT_FALSE(s.show_sign_token);
  EXPECT_NE(s.tokens_reason.find("ignored tokens = everything"), std::string::npos) << s.tokens_reason;
  s = load_settings("pkcs11-tool");
  EXPECT_TRUE(s.show_auth_token && s.show_sign_token);
}

}  // namespace
}  // namespace jpki::pkcs11
