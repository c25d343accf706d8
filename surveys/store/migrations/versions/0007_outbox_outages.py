"""outbox survives outages: when each message was queued, why it waits, replies that edit a message, and an
index to keep replies to one chat in order

Revision ID: 0007
Revises: 0011
Create Date: 2026-12-06 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    # messages queued before this revision count from their last change
    op.execute("UPDATE outbox SET created_at = updated_at")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index('ix_outbox_chat', ['platform', 'address'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_chat')
        batch_op.drop_column('created_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('edit_message_id')
