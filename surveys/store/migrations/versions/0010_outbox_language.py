"""the outbox records each message's language: WhatsApp delivers a message more than 24 hours after the resident
last wrote only as a template approved for that language

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01 07:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('language')
