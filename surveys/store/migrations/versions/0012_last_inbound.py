"""contacts, results requests and the outbox keep when the resident last wrote, to the hour: WhatsApp's 24-hour
window is checked before a message goes out

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('contacts', 'results_subscriptions', 'outbox')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_inbound_at')
