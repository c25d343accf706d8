"""contact keys and the key fingerprint: contacts, results requests and the outbox are filed under a contact key
instead of the pseudonym their answers carry; the database remembers the fingerprint of its pseudonym key

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-10 10:00:00

Rows kept before this revision still hold pseudonyms in `contact_key`: the first start with the key re-files
them (surveys/secret_key.py), since only the key can derive a contact key.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('contacts', 'results_subscriptions', 'outbox')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('respondent', new_column_name='contact_key', existing_type=sa.String(length=64),
                               existing_nullable=False)
    op.create_index('ix_outbox_contact', 'outbox', ['survey_id', 'contact_key'], unique=False)
    op.create_table('key_fingerprint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_fingerprint'))
    )


def downgrade() -> None:
    op.drop_table('key_fingerprint')
    op.drop_index('ix_outbox_contact', table_name='outbox')
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('contact_key', new_column_name='respondent', existing_type=sa.String(length=64),
                               existing_nullable=False)
