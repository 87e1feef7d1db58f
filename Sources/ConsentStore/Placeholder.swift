import GRDB
import Crypto
import CryptoExtras
