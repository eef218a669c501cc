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
COMPLAINT_REASONS = {"NOT_RECEIVED": "Barang belum diterima", "NOT_AS_DESCRIBED": "Tidak sesuai deskripsi",
                     "DAMAGED": "Barang rusak", "OTHER": "Lainnya"}
COMPLAINT_STATUS = {"OPEN": "Menunggu jawaban penjual", "OFFERED": "Penjual memberi tawaran",
                    "RETURN_REQUESTED": "Barang diminta dikembalikan", "RETURNING": "Barang dalam pengembalian",
                    "ESCALATED": "Diteruskan ke admin", "RESOLVED": "Selesai"}
# what a complaint's respondBy is the deadline of, in each status that has one
COMPLAINT_DEADLINES = {"OPEN": "Batas jawaban penjual", "RETURN_REQUESTED": "Batas pembeli mengirim barang kembali",
                       "RETURNING": "Batas penjual mengonfirmasi barang kembali"}
REMEDIES = {"FULL_REFUND": "Pengembalian dana penuh", "PARTIAL_REFUND": "Pengembalian dana sebagian",
            "RETURN_FOR_REFUND": "Kembalikan barang, dana dikembalikan", "NONE": "Tanpa pengembalian"}
REFUND_STATUS = {"DUE": "Menunggu transfer penjual", "TRANSFERRED": "Sudah ditransfer penjual",
                 "CONFIRMED": "Diterima", "DISPUTED": "Dipersoalkan"}
REFUND_REASONS = {"SELLER_REJECTED": "Pesanan ditolak penjual",
                  "NOT_SHIPPED_IN_TIME": "Pesanan tidak dikirim tepat waktu", "COMPLAINT": "Keluhan pembeli"}
# what the complaint and refund templates read (complaint_facts.html, refund_facts.html, complaint.html ...)
COMPLAINT_WORDS = {"reasons": COMPLAINT_REASONS, "complaint_status": COMPLAINT_STATUS,
                   "deadlines": COMPLAINT_DEADLINES, "remedies": REMEDIES, "refund_status": REFUND_STATUS,
                   "refund_reasons": REFUND_REASONS, "banks": BANK_NAMES, "couriers": COURIERS, "roles": ROLES,
                   "tracking_status": TRACKING_STATUS}
