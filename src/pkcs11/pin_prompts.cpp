#include "pkcs11/pin_prompts.h"

#include "card/pin_policy.h"

namespace jpki::pkcs11 {

using card::KeyKind;

// What the holder reads in the pinentry window: which certificate, the PIN's
// shape, tries left, and what the last wrong try costs.
PinPrompt prompt_for(KeyKind kind, int tries_left) {
  PinPrompt p;
  p.title = "マイナンバーカード / My Number Card";
  p.description = kind == KeyKind::kAuth
                      ? "利用者証明用電子証明書のパスワード（数字4桁）を入力してください。\n"
                        "User authentication certificate: enter its PIN (4 digits)."
                      : "署名用電子証明書のパスワード（英大文字と数字、6〜16文字）を入力してください。\n"
                        "Digital signature certificate: enter its password (6-16 characters, A-Z and 0-9).";
  p.description += "\n\n残り回数 / Tries left: " + std::to_string(tries_left);
  if (tries_left == 1) {
    p.description +=
        "\n\nこれが最後の1回です。間違えるとこの証明書はロックされ、市区町村の窓口での手続きが必要になります"
        "。\n"
        "This is the last try: a wrong PIN locks this certificate until you visit your city office.";
  }
  p.prompt = kind == KeyKind::kAuth ? "PIN:" : "パスワード / Password:";
  return p;
}

// What the holder reads when the PIN is locked: nothing to type, where to go.
PinPrompt locked_notice(KeyKind kind) {
  PinPrompt p;
  p.title = "マイナンバーカード / My Number Card";
  p.description = kind == KeyKind::kAuth ? "利用者証明用電子証明書のパスワードはロックされています。\n"
                                           "User authentication certificate: its PIN is locked."
                                         : "署名用電子証明書のパスワードはロックされています。\n"
                                           "Digital signature certificate: its password is locked.";
  p.description +=
      "\n\n残り回数 / Tries left: 0\n\n"
      "市区町村の窓口でパスワードの初期化（再設定）を申請してください。\n"
      "Your city office can reset it; nothing typed here can unlock it.";
  return p;
}

std::string shape_error(KeyKind kind, card::SecureString& pin) {
  if (card::check_pin_shape(kind, pin.str()) == card::PinShape::kOk) {
    return "";
  }
  return kind == KeyKind::kAuth ? "数字4桁です / The PIN is 4 digits"
                                : "英大文字と数字で6〜16文字です / 6-16 characters, A-Z and 0-9";
}

}  // namespace jpki::pkcs11
