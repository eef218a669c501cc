"""The partner organisations the mall works with, by code."""
from __future__ import annotations

BANKS = {"bca": "Bank Central Asia", "mandiri": "Bank Mandiri", "bni": "Bank Negara Indonesia",
         "bri": "Bank Rakyat Indonesia"}
COURIERS = {"pos": "Pos Indonesia", "tiki": "TIKI", "jne": "JNE", "fedex": "FedEx", "dhl": "DHL",
            "wahana": "Wahana", "pcp": "PCP Express"}
