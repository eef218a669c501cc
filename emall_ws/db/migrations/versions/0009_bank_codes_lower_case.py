"""Bank codes lower-case: a seller's bank_code as the invoices and the partners spell it (BCA -> bca)

Data only, no schema change. Registration kept a seller's bank code upper-case ("BCA") while the
invoices, the mutations and the partner adapters use the lower-case partner codes (bca, mandiri, bni,
bri); every code now has one spelling, lower-case. An instance at 0008 reads either spelling (its
checkout lower-cases), and a seller it registers meanwhile ("BCA") still gets invoices to "bca" from the
new checkout (which folds too), so the upgrade needs no stop. The downgrade upper-cases again the four codes
0008 knows (its BANK_ACCOUNT_LENGTHS: BCA, MANDIRI, BNI, BRI), leaving any other value as it is.

(No WHERE bank_code <> LOWER(bank_code): MariaDB's utf8mb4_unicode_ci compares without case, so
it would match no row.)

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE member SET bank_code = LOWER(bank_code) WHERE bank_code IS NOT NULL")


def downgrade() -> None:
    # the codes as the upgrade left them (written here, not imported: a revision stays as it was)
    op.execute("UPDATE member SET bank_code = UPPER(bank_code) WHERE bank_code IN ('bca', 'mandiri', 'bni', 'bri')")
