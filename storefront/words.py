"""The platform's codes in the words a buyer or seller reads (its SOAP answers carry the codes)."""
from __future__ import annotations

INVOICE_STATUS = {"UNPAID": "Belum dibayar", "PAID": "LUNAS", "EXPIRED": "Kedaluwarsa", "CANCELLED": "Dibatalkan"}
ORDER_STATUS = {"AWAITING_PAYMENT": "Menunggu pembayaran", "PAID": "Dibayar, menunggu dikirim",
                "CANCELLED": "Dibatalkan", "SHIPPED": "Dikirim", "DELIVERED": "Sampai di tujuan",
                "COMPLETED": "Selesai"}
TRACKING_STATUS = {"Pending": "Menunggu", "InfoReceived": "Data diterima kurir", "InTransit": "Dalam perjalanan",
                   "OutForDelivery": "Sedang diantar", "AttemptFail": "Gagal diantar", "Delivered": "Terkirim",
                   "AvailableForPickup": "Siap diambil", "Exception": "Bermasalah", "Expired": "Kedaluwarsa"}
# the couriers Shipping.shipOrder knows (docs/services/Shipping.md)
COURIERS = {"jne": "JNE", "tiki": "TIKI", "pos": "Pos Indonesia", "wahana": "Wahana", "pcp": "PCP Express",
            "dhl": "DHL", "fedex": "FedEx"}
BANK_NAMES = {"bca": "BCA", "mandiri": "Mandiri", "bni": "BNI", "bri": "BRI"}
ROLES = {"BUYER": "Pembeli", "SELLER": "Penjual", "ADMIN": "Admin"}
MEMBER_STATUS = {"PENDING": "Menunggu aktivasi", "ACTIVE": "Aktif", "SUSPENDED": "Ditangguhkan"}
VERIFICATION_STATUS = {"UNVERIFIED": "Belum terverifikasi", "VERIFIED": "Terverifikasi", "REJECTED": "Ditolak"}
